//! Suite-declared commands, run host-side to produce artifacts: the
//! determinism check's re-run mode. Each run starts in a fresh temporary
//! folder (its working directory), with the caller's environment plus the
//! command's `env`, `MLTEST_RUN` (1-based) and `MLTEST_RUN_DIR`; its declared
//! outputs become artifacts named `<command>@<run>/<output>`.
//!
//! Runs are sequential, so they never compete for the machine, and happen
//! at most once per mltest run, however many checks ask.
//!
//! Nothing a command starts outlives its run. mltest makes itself the
//! child subreaper (`PR_SET_CHILD_SUBREAPER`), so a process that escapes
//! the run's process group (`setsid`, a daemonised helper) is re-parented
//! to mltest instead of init; when the run ends, by exit or by timeout, the
//! group is killed and then every remaining descendant, until none is left.
//! Because that sweep covers every child of the process, command runs are
//! serialised process-wide.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{Artifact, DataError};
use crate::suite::{ArtifactSpec, CommandSpec};

/// Most bytes of a run's stderr kept (the tail: that is where errors are).
const STDERR_TAIL: usize = 8 * 1024;

/// One finished run and its outputs.
pub(crate) struct Run {
    pub(crate) index: u32,
    pub(crate) duration: Duration,
    /// Output name → artifact.
    pub(crate) outputs: BTreeMap<String, Artifact>,
    /// Removed when the catalog is dropped, at the end of the mltest run.
    _dir: tempfile::TempDir,
}

impl Run {
    pub(crate) fn artifact_name(command: &str, index: u32, output: &str) -> String {
        format!("{command}@{index}/{output}")
    }
}

/// A declared command and, once asked for, its runs.
pub(crate) struct DeclaredCommand {
    pub(crate) spec: CommandSpec,
    pub(crate) runs: OnceLock<Result<Vec<Run>, DataError>>,
}

impl DeclaredCommand {
    pub(crate) fn new(spec: CommandSpec) -> Self {
        DeclaredCommand {
            spec,
            runs: OnceLock::new(),
        }
    }

    /// Runs the command (the first time) and returns every run.
    pub(crate) fn runs(&self) -> Result<&[Run], DataError> {
        match self.runs.get_or_init(|| execute(&self.spec)) {
            Ok(runs) => Ok(runs),
            Err(e) => Err(e.clone()),
        }
    }
}

fn failure(spec: &CommandSpec, index: u32, message: String) -> DataError {
    DataError::Command {
        command: spec.name.clone(),
        run: index,
        message,
    }
}

/// One command run at a time in this process: the sweep after a run kills
/// every child of the process, which must not include another run's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn execute(spec: &CommandSpec) -> Result<Vec<Run>, DataError> {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    become_subreaper();
    (1..=spec.runs)
        .map(|index| execute_once(spec, index))
        .collect()
}

fn execute_once(spec: &CommandSpec, index: u32) -> Result<Run, DataError> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("mltest-{}-{index}-", spec.name))
        .tempdir()
        .map_err(|e| failure(spec, index, format!("cannot create a folder: {e}")))?;
    let mut command = Command::new(&spec.argv[0]);
    command
        .args(&spec.argv[1..])
        .current_dir(dir.path())
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env("MLTEST_RUN", index.to_string())
        .env("MLTEST_RUN_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout stops whatever it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| {
        failure(
            spec,
            index,
            format!("cannot start `{}`: {e}", spec.argv[0].to_string_lossy()),
        )
    })?;
    // stderr is drained on a thread of its own and only its tail is kept,
    // so a chatty command cannot grow memory or block on a full pipe.
    let (tail_tx, tail_rx) = std::sync::mpsc::channel();
    if let Some(mut pipe) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut tail: Vec<u8> = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 2 * STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
            let start = tail.len().saturating_sub(STDERR_TAIL);
            let _ = tail_tx.send(String::from_utf8_lossy(&tail[start..]).into_owned());
        });
    }
    let status = wait(&mut child, spec.timeout);
    // The run is over: nothing it started may live on, holding stderr open
    // or using the machine.
    kill_group(&child);
    kill_descendants();
    // Every writer of the pipe is gone now; the grace period only covers a
    // writer that could not be killed.
    let stderr = tail_rx
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    let duration = started.elapsed();
    let tail = |s: &str| {
        let s = s.trim_end();
        if s.is_empty() {
            " (no stderr)".to_string()
        } else {
            format!("; stderr:\n{s}")
        }
    };
    match status {
        Ok(Some(status)) if status.success() => {}
        Ok(Some(status)) => {
            return Err(failure(
                spec,
                index,
                format!("exited with {status}{}", tail(&stderr)),
            ));
        }
        Ok(None) => {
            return Err(failure(
                spec,
                index,
                format!(
                    "timed out after {} (the run's limit){}",
                    humantime::format_duration(spec.timeout),
                    tail(&stderr)
                ),
            ));
        }
        Err(e) => return Err(failure(spec, index, format!("cannot wait for it: {e}"))),
    }
    let mut outputs = BTreeMap::new();
    for output in &spec.outputs {
        let path: PathBuf = dir.path().join(&output.path);
        if !path.exists() {
            return Err(failure(
                spec,
                index,
                format!(
                    "did not write its declared output `{}` ({}){}",
                    output.name,
                    output.path.display(),
                    tail(&stderr)
                ),
            ));
        }
        let artifact = ArtifactSpec {
            name: Run::artifact_name(&spec.name, index, &output.name),
            path,
            format: output.format,
            delimiter: output.delimiter,
            registry: None,
            absent: None,
            sha256: None,
        };
        outputs.insert(output.name.clone(), Artifact::new(artifact));
    }
    Ok(Run {
        index,
        duration,
        outputs,
        _dir: dir,
    })
}

/// Waits up to `timeout`; `None` when it had to be killed.
fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            kill_group(child);
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Kills the run's process group (its id is the child's pid:
/// `process_group(0)` above).
fn kill_group(child: &Child) {
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
}

/// Orphans of a run are re-parented to this process rather than to init.
fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument.
    ONCE.call_once(|| unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    });
}

/// Kills and reaps every child of this process until none is left. As a
/// subreaper, this process inherits the children of what it kills, so the
/// loop ends only when the whole tree is gone.
fn kill_descendants() {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    for _ in 0..1000 {
        let children = children_of(me);
        if children.is_empty() {
            return;
        }
        for &pid in &children {
            // SAFETY: signalling and reaping our own children.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        for &pid in &children {
            // SAFETY: as above; a null status pointer is allowed.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        }
    }
}

/// The pids whose parent is `parent`, from `/proc/<pid>/stat` (field 4,
/// after the parenthesised command name, which may itself hold spaces).
fn children_of(parent: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: libc::pid_t = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let after_name = &stat[stat.rfind(')')? + 1..];
            let ppid: libc::pid_t = after_name.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}
