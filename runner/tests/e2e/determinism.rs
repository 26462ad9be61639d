//! The `determinism` plugin end to end: golden outputs on disk, re-runs of
//! a real command, and what goes wrong with them.

use crate::support::{Scratch, check, finding};

fn compare_suite(
    scratch: &Scratch,
    golden: &str,
    candidate: &str,
    params: &str,
) -> (i32, serde_json::Value) {
    scratch.write("det/golden.csv", golden);
    scratch.write("det/candidate.csv", candidate);
    scratch.write(
        "det.toml",
        format!(
            "[artifacts]\ngolden = \"det/golden.csv\"\ncandidate = \"det/candidate.csv\"\n\
             [[check]]\nid = \"determinism\"\nplugin = \"determinism\"\n[check.params]\n\
             outputs = [\"golden\", \"candidate\"]\n{params}\n"
        ),
    );
    let (run, report) = scratch.run_suite("det.toml", &[]);
    scratch.validate_junit("report.xml");
    (run.code(), report)
}

#[test]
fn demo_scorer_reproduces_its_golden_output() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("mltest.toml", &["--only", "determinism"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let det = check(&report, "determinism");
    let f = finding(
        det,
        "determinism.column[score@2/predictions vs golden_predictions: score]",
    );
    assert_eq!(f["properties"]["rows_compared"], "1000");
    assert_eq!(f["properties"]["rows_differing"], "0");
}

#[test]
fn non_deterministic_scorer_fails_run_against_run() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("regressed.toml", &["--only", "determinism"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let det = check(&report, "determinism");
    let f = finding(
        det,
        "determinism.column[score@2/predictions vs score@1/predictions: score]",
    );
    assert_eq!(f["outcome"], "fail");
    let differing: u64 = f["properties"]["rows_differing"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(differing > 900, "{f:#}");
    assert!(
        f["properties"]["max_abs_diff"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
    assert!(
        f["details"].as_str().unwrap().contains("row req-"),
        "shows the first keys: {f:#}"
    );
}

#[test]
fn floats_compare_within_tolerance_and_discrete_values_exactly() {
    let scratch = Scratch::credit_risk();
    let golden = "id,score,label\n1,0.5,a\n2,0.25,b\n3,NaN,c\n";
    let candidate = "id,score,label\n1,0.5000000001,a\n2,0.25,B\n3,NaN,c\n";
    let (code, report) = compare_suite(&scratch, golden, candidate, "rtol = 1e-6");
    assert_eq!(code, 1);
    let det = check(&report, "determinism");
    let score = finding(det, "determinism.column[candidate vs golden: score]");
    assert_eq!(score["outcome"], "pass", "{score:#}");
    assert!(
        score["properties"]["max_abs_diff"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
    let label = finding(det, "determinism.column[candidate vs golden: label]");
    assert_eq!(label["outcome"], "fail");
    assert!(
        label["message"].as_str().unwrap().contains("row 1: B vs b"),
        "{label:#}"
    );

    let (code, report) = compare_suite(&scratch, golden, candidate, "");
    assert_eq!(code, 1);
    let score = finding(
        check(&report, "determinism"),
        "determinism.column[candidate vs golden: score]",
    );
    assert_eq!(score["outcome"], "fail", "exact by default: {score:#}");
}

#[test]
fn rows_align_by_key_and_mismatched_row_counts_fail() {
    let scratch = Scratch::credit_risk();
    let golden = "id,score\n1,0.1\n2,0.2\n3,0.3\n";
    let shuffled = "id,score\n3,0.3\n1,0.1\n2,0.2\n";
    let (code, report) = compare_suite(&scratch, golden, shuffled, "key = [\"id\"]");
    assert_eq!(code, 0, "{report:#}");

    let (code, _) = compare_suite(&scratch, golden, shuffled, "");
    assert_eq!(code, 1, "by position the rows differ");

    let shorter = "id,score\n1,0.1\n2,0.2\n4,0.4\n5,0.5\n";
    let (code, report) = compare_suite(&scratch, golden, shorter, "key = [\"id\"]");
    assert_eq!(code, 1);
    let rows = finding(
        check(&report, "determinism"),
        "determinism.rows[candidate vs golden]",
    );
    assert_eq!(rows["outcome"], "fail");
    assert_eq!(rows["properties"]["missing_keys"], "1");
    assert_eq!(rows["properties"]["extra_keys"], "2");
    let message = rows["message"].as_str().unwrap();
    assert!(message.contains("4 rows vs 3"), "{message}");
}

#[test]
fn documents_compare_by_value_and_other_files_by_digest() {
    let scratch = Scratch::credit_risk();
    scratch.write("det/a.json", r#"{"auc": 0.81, "n": [1, 2]}"#);
    scratch.write("det/b.json", r#"{"n": [1, 2], "auc": 0.8100000001}"#);
    scratch.write("det/c.json", r#"{"n": [1, 3], "auc": 0.81}"#);
    scratch.write(
        "det.toml",
        "[artifacts]\na = \"det/a.json\"\nb = \"det/b.json\"\nc = \"det/c.json\"\nmodel = \"model\"\nmodel_again = \"model/MLmodel\"\n\
         [[check]]\nid = \"documents\"\nplugin = \"determinism\"\n[check.params]\noutputs = [\"a\", \"b\", \"c\"]\nrtol = 1e-6\n\
         [[check]]\nid = \"files\"\nplugin = \"determinism\"\n[check.params]\noutputs = [\"model\", \"model_again\"]\n",
    );
    let (run, report) = scratch.run_suite("det.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let docs = check(&report, "documents");
    assert_eq!(
        finding(docs, "determinism.document[b vs a]")["outcome"],
        "pass"
    );
    let c = finding(docs, "determinism.document[c vs a]");
    assert_eq!(c["outcome"], "fail");
    assert!(
        c["message"].as_str().unwrap().contains("$.n[1]: 3 vs 2"),
        "{c:#}"
    );
    let files = check(&report, "files");
    assert_eq!(
        finding(files, "determinism.digest[model_again vs model]")["outcome"],
        "pass"
    );
}

fn rerun_suite(
    scratch: &Scratch,
    script: &str,
    extra: &str,
) -> (crate::support::Run, serde_json::Value) {
    scratch.write("job.py", script);
    scratch.write(
        "rerun.toml",
        format!(
            "[suite]\nrun_commands = true\n[commands.job]\nrun = [\"python3\", \"{{suite_dir}}/job.py\"]\n\
             outputs = {{ out = \"out.csv\" }}\n{extra}\n\
             [[check]]\nid = \"determinism\"\nplugin = \"determinism\"\ntimeout = \"5s\"\n[check.params]\nrerun = \"job\"\n"
        ),
    );
    scratch.run_suite("rerun.toml", &[])
}

#[test]
fn a_failing_command_is_an_error_with_its_stderr() {
    let scratch = Scratch::credit_risk();
    let script =
        "import sys\nprint('model file not found: weights.bin', file=sys.stderr)\nsys.exit(3)\n";
    let (run, report) = rerun_suite(&scratch, script, "");
    assert_eq!(run.code(), 3, "{}", run.all());
    let det = check(&report, "determinism");
    assert_eq!(det["outcome"], "error");
    let message = det["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("command `job`, run 1: exited with exit status: 3"),
        "{message}"
    );
    assert!(
        message.contains("model file not found: weights.bin"),
        "{message}"
    );
    scratch.validate_junit("report.xml");
}

#[test]
fn runs_start_in_fresh_folders_and_time_out_on_their_own_limit() {
    let scratch = Scratch::credit_risk();
    // Fails if a previous run's output is still there: each run starts clean.
    let script = "import os, sys\nassert not os.path.exists('out.csv')\n\
                  open('out.csv', 'w').write('run\\n' + os.environ['MLTEST_RUN'] + '\\n')\n";
    let (run, report) = rerun_suite(&scratch, script, "runs = 3");
    assert_eq!(run.code(), 1, "{}", run.all());
    let det = check(&report, "determinism");
    let f = finding(det, "determinism.column[job@3/out vs job@1/out: run]");
    assert_eq!(f["outcome"], "fail");

    // The check's 5 s timeout does not count the command's time; the run's own limit does.
    let slow = "import time\ntime.sleep(30)\n";
    let started = std::time::Instant::now();
    let (run, report) = rerun_suite(&scratch, slow, "timeout = \"1s\"");
    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(started.elapsed().as_secs() < 20, "killed at its limit");
    let message = check(&report, "determinism")["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("timed out after 1s"), "{message}");
}

#[test]
fn commands_need_an_explicit_opt_in() {
    let scratch = Scratch::credit_risk();
    let suite = scratch
        .read("mltest.toml")
        .replace("run_commands = true", "");
    scratch.write("no-opt-in.toml", suite);
    let run = scratch.mltest(&["validate", "no-opt-in.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("does not opt in to running them"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr().contains("run_commands = true"),
        "{}",
        run.all()
    );
}

/// Processes whose command line holds `marker`, from `/proc`.
fn processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(marker).then_some(cmdline)
        })
        .collect()
}

#[test]
fn nothing_a_command_starts_outlives_its_run() {
    let scratch = Scratch::credit_risk();
    // A child in a session of its own, holding stderr open, left behind by
    // a run that succeeds: it used to keep mltest waiting 40 s and live on.
    // A unique sleep length marks the processes this test starts.
    let marker = format!("1200.{}", std::process::id());
    let script = format!(
        "import subprocess\n\
         subprocess.Popen(['setsid', 'sleep', '{marker}'])\n\
         subprocess.Popen(['sleep', '{marker}'])\n\
         open('out.csv', 'w').write('x\\n1\\n')\n"
    );
    let started = std::time::Instant::now();
    let (run, report) = rerun_suite(&scratch, &script, "");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the run waited for what its command left: {:?}",
        started.elapsed()
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(check(&report, "determinism")["outcome"], "pass");
    assert!(
        processes_with(&marker).is_empty(),
        "{:?}",
        processes_with(&marker)
    );

    // The same at a timeout: the escaped child holds stderr, and still the
    // run ends at its limit.
    let hang = format!(
        "import subprocess, time\n\
         subprocess.Popen(['setsid', 'sleep', '{marker}'])\n\
         time.sleep(120)\n"
    );
    let started = std::time::Instant::now();
    let (run, _) = rerun_suite(&scratch, &hang, "timeout = \"1s\"");
    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(
        processes_with(&marker).is_empty(),
        "{:?}",
        processes_with(&marker)
    );
}
