//! Suite-declared commands, run host-side to produce artifacts: the
//! determinism check's re-run mode. Each run starts in a fresh temporary
//! folder (its working directory), with the caller's environment plus the
//! command's `env`, `MLTEST_RUN` (1-based) and `MLTEST_RUN_DIR`; its declared
//! outputs become artifacts named `<command>@<run>/<output>`.
//!
//! Runs are sequential, so they never compete for the machine, and happen
//! at most once per mltest run, however many checks ask.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{Artifact, DataError};
use crate::suite::{ArtifactSpec, CommandSpec};

/// Most bytes of a run's stderr kept (the tail: that is where errors are).
const STDERR_TAIL: usize = 8 * 1024;

/// One finished run and its outputs.
pub struct Run {
    pub index: u32,
    pub duration: Duration,
    /// Output name → artifact.
    pub outputs: BTreeMap<String, Artifact>,
    /// Removed when the catalog is dropped, at the end of the mltest run.
    _dir: tempfile::TempDir,
}

impl Run {
    pub fn artifact_name(command: &str, index: u32, output: &str) -> String {
        format!("{command}@{index}/{output}")
    }
}

/// A declared command and, once asked for, its runs.
pub struct DeclaredCommand {
    pub spec: CommandSpec,
    pub runs: OnceLock<Result<Vec<Run>, DataError>>,
}

impl DeclaredCommand {
    pub fn new(spec: CommandSpec) -> Self {
        DeclaredCommand {
            spec,
            runs: OnceLock::new(),
        }
    }

    /// Runs the command (the first time) and returns every run.
    pub fn runs(&self) -> Result<&[Run], DataError> {
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

fn execute(spec: &CommandSpec) -> Result<Vec<Run>, DataError> {
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
    let mut child = command
        .spawn()
        .map_err(|e| failure(spec, index, format!("cannot start `{}`: {e}", spec.argv[0])))?;
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buffer = Vec::new();
            let _ = pipe.read_to_end(&mut buffer);
            let start = buffer.len().saturating_sub(STDERR_TAIL);
            String::from_utf8_lossy(&buffer[start..]).into_owned()
        })
    });
    let status = wait(&mut child, spec.timeout);
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
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
            span: spec.span.clone(),
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
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        // The group's id is the child's pid (process_group(0) above).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}
