//! The registry gate against a real MLflow server: versions registered
//! through MLflow's Python client, webhooks delivered by MLflow itself, and
//! the gate binary started, stopped and killed like a real deployment.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{Hmac, Mac};
use mltest_testkit::{MlflowServer, free_port};
use serde_json::{Value, json};
use sha2::Sha256;

use super::support::{BINARY, root};

const SECRET: &str = "gate-test-secret";

/// A running `mltest serve` with its own gate file, state and port.
struct Gate {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    webhook: Option<String>,
}

impl Gate {
    /// Starts a gate for the models in `models` (gate-file TOML).
    fn start(models: &str) -> Gate {
        let server = MlflowServer::shared();
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "[mlflow]\nurl = \"{}\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n[webhook]\nsecret_env = \"MLTEST_WEBHOOK_SECRET\"\n\
             [state]\ndir = \"state\"\n[jobs]\nreconcile_every = \"1h\"\nretry_backoff = \"1s\"\n{models}",
            server.url
        );
        std::fs::write(dir.path().join("gate.toml"), config).unwrap();
        let mut gate = Gate {
            dir,
            port,
            child: None,
            webhook: None,
        };
        gate.spawn(&["--register-webhook"]);
        gate.webhook = Some(
            mlflow_get("webhooks", &[])["webhooks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["url"] == gate.hook_url())
                .expect("the gate registered its webhook")["webhook_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        gate
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn hook_url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/mlflow", self.port)
    }

    fn spawn(&mut self, extra: &[&str]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("gate.log"))
            .unwrap();
        let child = Command::new(BINARY)
            .args(["serve", "--config"])
            .arg(self.path("gate.toml"))
            .args(extra)
            .env("MLTEST_WEBHOOK_SECRET", SECRET)
            .env("RETRAIN_SECRET", "retrain-secret")
            .env("MLTEST_CACHE_DIR", root().join("target/test-gate-cache"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("mltest serve starts");
        self.child = Some(child);
        wait_for(
            &format!("the gate on port {}", self.port),
            Duration::from_secs(60),
            || {
                (http(
                    "GET",
                    &format!("http://127.0.0.1:{}/healthz", self.port),
                    &[],
                    b"",
                )
                .0 == 200)
                    .then_some(())
            },
        );
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, and wait for a clean exit.
    fn terminate(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let status = c.wait().unwrap();
            assert!(
                status.success(),
                "the gate exits 0 on SIGTERM: {status:?}\n{}",
                self.log()
            );
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("gate.log")).unwrap_or_default()
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) = http(
            "GET",
            &format!("http://127.0.0.1:{}{path}", self.port),
            &[],
            b"",
        );
        assert_eq!(
            status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    }

    fn jobs(&self, model: &str) -> Vec<Value> {
        self.get(&format!("/jobs?model={model}"))["jobs"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Sends a delivery as MLflow would, signed with `secret` (None: unsigned).
    fn deliver(&self, id: &str, timestamp: i64, body: &[u8], secret: Option<&str>) -> (u16, Value) {
        let ts = timestamp.to_string();
        let mut headers = vec![
            ("X-MLflow-Delivery-Id", id.to_string()),
            ("X-MLflow-Timestamp", ts.clone()),
            ("Content-Type", "application/json".into()),
        ];
        if let Some(s) = secret {
            headers.push(("X-MLflow-Signature", sign(s, id, &ts, body)));
        }
        let (status, body) = http("POST", &self.hook_url(), &headers, body);
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.kill9();
        // A webhook to a port nobody listens on would slow MLflow's delivery
        // threads for every later test.
        if let Some(id) = &self.webhook {
            http(
                "DELETE",
                &format!(
                    "{}/api/2.0/mlflow/webhooks/{id}",
                    MlflowServer::shared().url
                ),
                &[],
                b"",
            );
        }
    }
}

/// The signature, computed here independently of the runner's code.
fn sign(secret: &str, id: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn http(method: &str, url: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let result = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            r.call()
        }
        _ => {
            let mut r = if method == "DELETE" {
                agent.delete(url).force_send_body()
            } else {
                agent.post(url)
            };
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            r.send(body)
        }
    };
    match result {
        Ok(mut r) => (
            r.status().as_u16(),
            r.body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .unwrap_or_default(),
        ),
        Err(_) => (0, Vec::new()),
    }
}

fn mlflow_get(path: &str, query: &[(&str, &str)]) -> Value {
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "%20")))
        .collect();
    let url = format!(
        "{}/api/2.0/mlflow/{path}?{}",
        MlflowServer::shared().url,
        q.join("&")
    );
    let (status, body) = http("GET", &url, &[], b"");
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn mlflow_post(path: &str, body: Value) -> Value {
    let url = format!("{}/api/2.0/mlflow/{path}", MlflowServer::shared().url);
    let (status, answer) = http(
        "POST",
        &url,
        &[("Content-Type", "application/json".into())],
        body.to_string().as_bytes(),
    );
    assert_eq!(
        status,
        200,
        "POST {url}: {}",
        String::from_utf8_lossy(&answer)
    );
    serde_json::from_slice(&answer).unwrap()
}

fn tags(model: &str, version: &str) -> serde_json::Map<String, Value> {
    let v = mlflow_get(
        "model-versions/get",
        &[("name", model), ("version", version)],
    );
    v["model_version"]["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| (t["key"].as_str().unwrap().to_string(), t["value"].clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn alias(model: &str, alias: &str) -> Option<String> {
    let v = mlflow_get("registered-models/get", &[("name", model)]);
    v["registered_model"]["aliases"]
        .as_array()?
        .iter()
        .find(|a| a["alias"] == alias)
        .map(|a| a["version"].as_str().unwrap().to_string())
}

fn set_alias(model: &str, alias: &str, version: &str) {
    mlflow_post(
        "registered-models/alias",
        json!({"name": model, "alias": alias, "version": version}),
    );
}

fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits until `tag` on the version has a final value (not `running`).
fn verdict(model: &str, version: &str, tag: &str) -> String {
    wait_for(
        &format!("{tag} on {model}/{version}"),
        Duration::from_secs(180),
        || {
            tags(model, version)
                .get(tag)
                .and_then(Value::as_str)
                .filter(|v| *v != "running")
                .map(str::to_string)
        },
    )
}

fn suite() -> String {
    root()
        .join("fixtures/credit-risk/registry.toml")
        .display()
        .to_string()
}

/// A suite that takes a few seconds (a command re-run twice), so a test
/// can act while a job is running; it compares metrics with the champion.
fn slow_suite(dir: &Path) -> String {
    let path = dir.join("slow.toml");
    std::fs::write(
        &path,
        r#"[suite]
name = "slow"
run_commands = true
[artifacts]
candidate_metrics = { mlflow = "metrics" }
champion_metrics = { mlflow = "metrics", of = "champion" }
[commands.pause]
run = ["sh", "-c", "sleep 3; printf 'a\n1\n' > out.csv"]
runs = 2
outputs = { out = "out.csv" }
[[check]]
id = "metrics"
plugin = "metrics"
[check.params]
candidate = "candidate_metrics"
baseline = "champion_metrics"
thresholds.auc = { min = 0.75, max_regression = 0.01 }
[[check]]
id = "determinism"
plugin = "determinism"
params = { rerun = "pause" }
"#,
    )
    .unwrap();
    path.display().to_string()
}

fn mltest(args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .env("MLTEST_CACHE_DIR", root().join("target/test-gate-cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn passing_version_is_promoted_and_regressed_one_is_not() {
    let server = MlflowServer::shared();
    let model = "gate-promote";
    // The gate's suite also asks for retraining when drift fails.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let receiver_port = listener.local_addr().unwrap().port();
    let receiver = receive_one(listener);
    let dir = tempfile::tempdir().unwrap();
    let gate_suite = with_trigger(dir.path(), receiver_port);
    let gate = Gate::start(&format!(
        "[models.{model}]\nsuite = \"{gate_suite}\"\nalias = \"champion\"\n"
    ));

    // MLflow's own signed test delivery is acknowledged (and ignored).
    let test = mlflow_post(
        &format!("webhooks/{}/test", gate.webhook.as_ref().unwrap()),
        json!({}),
    );
    assert_eq!(test["result"]["success"], true, "{test}");

    let good = server.register(model, "good");
    assert_eq!(
        verdict(model, &good, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    let t = tags(model, &good);
    assert_eq!(t["mltest.champion"], "none");
    assert_eq!(t["mltest.summary"], "4 checks: 3 passed, 1 warned (schema)");
    assert_eq!(t["mltest.suite_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(t["mltest.mltest_version"], env!("CARGO_PKG_VERSION"));
    let report = t["mltest.report"].as_str().unwrap().to_string();
    wait_for("the alias", Duration::from_secs(30), || {
        (alias(model, "champion").as_deref() == Some(good.as_str())).then_some(())
    });

    let bad = server.register(model, "regressed");
    assert_eq!(
        verdict(model, &bad, "mltest.verdict"),
        "failed",
        "{}",
        gate.log()
    );
    assert_eq!(
        tags(model, &bad)["mltest.champion"],
        good.as_str(),
        "compared with the champion"
    );
    // The gate fired the trigger once, for the failed version's drift,
    // under a delivery id derived from the job.
    let (head, body) = receiver.join().unwrap();
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["model"], json!({"name": model, "version": bad}));
    assert_eq!(payload["check"]["id"], "drift");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-mltest-delivery-id: mltest-job-"),
        "{head}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        alias(model, "champion"),
        Some(good.clone()),
        "a failed version is not promoted"
    );

    // Both came through webhooks (reconciliation runs only at start here).
    wait_for("both jobs done", Duration::from_secs(30), || {
        gate.jobs(model)
            .iter()
            .all(|j| j["state"] == "done")
            .then_some(())
    });
    let jobs = gate.jobs(model);
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert!(
        jobs.iter()
            .all(|j| j["delivery_id"].is_string() && j["state"] == "done"),
        "{jobs:?}"
    );
    // The report link serves the job, with the JSON and JUnit of its run.
    let job_path = report
        .split_once(&format!("127.0.0.1:{}", gate.port))
        .unwrap()
        .1;
    let job = gate.get(job_path);
    assert_eq!(job["job"]["verdict"], "passed");
    assert_eq!(
        job["report"]["outcome"], "warn",
        "passed, with the schema check's warning"
    );
    assert!(job["junit"].as_str().unwrap().contains("<testsuites"));

    // `mltest run --registry` gives the same verdict as the gate.
    let m = |v: &str| format!("{model}/{v}");
    let run = mltest(&[
        "run",
        &suite(),
        "--registry",
        &server.url,
        "--model",
        &m(&good),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let run = mltest(&[
        "run",
        &suite(),
        "--registry",
        &server.url,
        "--model",
        &m(&bad),
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let run = mltest(&[
        "run",
        &suite(),
        "--registry",
        &server.url,
        "--model",
        &format!("{model}@champion"),
    ]);
    assert_eq!(run.status.code(), Some(0));

    // The deploy-side check.
    let gate_url = format!("http://127.0.0.1:{}", gate.port);
    let check = mltest(&[
        "gate",
        "check",
        &format!("{model}@champion"),
        "--registry",
        &server.url,
        "--gate",
        &gate_url,
    ]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let check = mltest(&[
        "gate",
        "check",
        &m(&bad),
        "--alias",
        "champion",
        "--registry",
        &server.url,
    ]);
    assert_eq!(check.status.code(), Some(1));
    // A forged `passed` tag fools the tag check but not the gate's record.
    mlflow_post(
        "model-versions/set-tag",
        json!({"name": model, "version": bad, "key": "mltest.verdict", "value": "passed"}),
    );
    let check = mltest(&[
        "gate",
        "check",
        &m(&bad),
        "--alias",
        "champion",
        "--registry",
        &server.url,
        "--gate",
        &gate_url,
    ]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let metrics =
        String::from_utf8(http("GET", &format!("{gate_url}/metrics"), &[], b"").1).unwrap();
    assert!(
        metrics.contains("mltest_gate_verdicts_total{verdict=\"passed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mltest_gate_verdicts_total{verdict=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mltest_gate_jobs{state=\"queued\"} 0"),
        "{metrics}"
    );
    let ready = http("GET", &format!("{gate_url}/readyz"), &[], b"");
    assert_eq!(ready.0, 200);
}

#[test]
fn bad_deliveries_are_refused_and_duplicates_run_once() {
    let server = MlflowServer::shared();
    let model = "gate-deliveries";
    let gate = Gate::start(&format!(
        "[models.{model}]\nsuite = \"{}\"\non_created = true\n",
        suite()
    ));
    let body = json!({"entity": "model_version", "action": "created", "timestamp": "2026-01-01T00:00:00Z",
        "data": {"name": model, "version": "1", "source": "models:/m-x", "run_id": null, "tags": {}, "description": ""}})
    .to_string();
    let body = body.as_bytes();
    let t = now();
    let refused = [
        (
            "bad signature",
            gate.deliver("d-bad", t, body, Some("wrong-secret")),
            401,
        ),
        (
            "replayed",
            gate.deliver("d-old", t - 301, body, Some(SECRET)),
            401,
        ),
        (
            "from the future",
            gate.deliver("d-future", t + 301, body, Some(SECRET)),
            401,
        ),
        ("unsigned", gate.deliver("d-unsigned", t, body, None), 401),
        (
            "oversized",
            gate.deliver("d-big", t, &vec![b' '; (1 << 20) + 1], Some(SECRET)),
            413,
        ),
    ];
    for (what, (status, answer), wanted) in refused {
        assert_eq!(status, wanted, "{what}: {answer}");
    }
    assert!(
        gate.jobs(model).is_empty(),
        "nothing runs for refused deliveries"
    );
    let metrics = String::from_utf8(
        http(
            "GET",
            &format!("http://127.0.0.1:{}/metrics", gate.port),
            &[],
            b"",
        )
        .1,
    )
    .unwrap();
    for reason in ["bad_signature", "replay", "missing_signature", "too_large"] {
        assert!(
            metrics.contains(&format!(
                "mltest_gate_deliveries_rejected_total{{reason=\"{reason}\"}}"
            )),
            "{reason}: {metrics}"
        );
    }

    // A real version, then the same (signed) delivery twice: one job.
    let version = server.register(model, "good");
    assert_eq!(version, "1");
    let first = gate.deliver("d-dup", now(), body, Some(SECRET));
    let second = gate.deliver("d-dup", now(), body, Some(SECRET));
    assert_eq!((first.0, second.0), (200, 200));
    assert_eq!(second.1["status"], "duplicate", "{}", second.1);
    assert_eq!(
        verdict(model, &version, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    std::thread::sleep(Duration::from_secs(2));
    let jobs = gate.jobs(model);
    assert_eq!(
        jobs.len(),
        1,
        "MLflow's delivery and ours are the same job: {jobs:?}"
    );

    // An event for a model the gate does not know is acknowledged, ignored.
    let other = br#"{"entity": "model_version", "action": "created", "data": {"name": "someone-else", "version": "1"}}"#;
    let (status, answer) = gate.deliver("d-other", now(), other, Some(SECRET));
    assert_eq!(status, 200);
    assert!(
        answer["status"].as_str().unwrap().starts_with("ignored"),
        "{answer}"
    );
}

#[test]
fn champion_moving_during_a_run_means_evaluating_again() {
    let server = MlflowServer::shared();
    let model = "gate-moving";
    let dir = tempfile::tempdir().unwrap();
    // Evaluations on request only, so the test decides what runs when.
    let gate = Gate::start(&format!(
        "[models.{model}]\nsuite = \"{}\"\nguard = \"alert\"\non_created = false\n",
        slow_suite(dir.path())
    ));
    let (v1, v2, v3) = (
        server.register(model, "good"),
        server.register(model, "good"),
        server.register(model, "good"),
    );
    let request = |v: &str| {
        mlflow_post(
            "model-versions/set-tag",
            json!({"name": model, "version": v, "key": "mltest.request", "value": "r1"}),
        );
    };
    request(&v1);
    assert_eq!(
        verdict(model, &v1, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    wait_for("v1 promoted", Duration::from_secs(30), || {
        (alias(model, "champion").as_deref() == Some(v1.as_str())).then_some(())
    });
    request(&v2);
    // The `running` tag comes before the job reads the champion; wait until
    // it has downloaded the champion's metrics, so the move below happens
    // during the run, after the champion was read.
    let jobs_dir = gate.path("state/jobs");
    wait_for("v2 fetched the champion", Duration::from_secs(60), || {
        std::fs::read_dir(&jobs_dir)
            .ok()?
            .flatten()
            .find_map(|job| {
                job.path()
                    .join("champion/champion_metrics/metrics.json")
                    .is_file()
                    .then_some(())
            })
    });
    // Someone makes v3 (never evaluated) the champion while v2 runs.
    set_alias(model, "champion", &v3);
    assert_eq!(
        verdict(model, &v2, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    let job = wait_for("v2's job done", Duration::from_secs(30), || {
        gate.jobs(model).into_iter().find(|j| {
            j["version"] == v2.as_str() && j["kind"] == "evaluate" && j["state"] == "done"
        })
    });
    let detail = gate.get(&format!("/jobs/{}", job["id"]));
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("champion moved from") && e.contains(&format!("to {v3}"))),
        "{events:?}"
    );
    assert!(
        detail["job"]["evaluations"].as_i64().unwrap() >= 2,
        "{detail}"
    );
    assert_eq!(
        tags(model, &v2)["mltest.champion"],
        v3.as_str(),
        "the verdict is against the new champion"
    );
    // The newer champion is not demoted by the older candidate.
    assert!(
        events.iter().any(|e| e.contains("never demotes")),
        "{events:?}"
    );
    assert_eq!(alias(model, "champion"), Some(v3.clone()));
    // And v3 itself is flagged: it holds the alias without a gate pass.
    let violation = wait_for("the violation tag", Duration::from_secs(60), || {
        tags(model, &v3).get("mltest.violation").cloned()
    });
    assert!(violation.as_str().unwrap().contains("without a gate pass"));
}

#[test]
fn killed_mid_run_the_job_finishes_exactly_once() {
    let server = MlflowServer::shared();
    let model = "gate-kill";
    let dir = tempfile::tempdir().unwrap();
    let mut gate = Gate::start(&format!(
        "[models.{model}]\nsuite = \"{}\"\n",
        slow_suite(dir.path())
    ));
    let v1 = server.register(model, "good");
    wait_for("v1 running", Duration::from_secs(60), || {
        (tags(model, &v1)
            .get("mltest.verdict")
            .and_then(Value::as_str)
            == Some("running"))
        .then_some(())
    });
    gate.kill9();
    gate.spawn(&[]);
    assert_eq!(
        verdict(model, &v1, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    wait_for("the alias", Duration::from_secs(30), || {
        (alias(model, "champion").as_deref() == Some(v1.as_str())).then_some(())
    });
    wait_for("the job done", Duration::from_secs(30), || {
        (gate.jobs(model)[0]["state"] == "done").then_some(())
    });
    let jobs = gate.jobs(model);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["attempts"], 2, "claimed again after the restart");
    assert!(gate.log().contains("resuming jobs that were running"));
}

#[test]
fn reconciliation_finds_versions_registered_while_the_gate_was_down() {
    let server = MlflowServer::shared();
    let model = "gate-reconcile";
    let mut gate = Gate::start(&format!("[models.{model}]\nsuite = \"{}\"\n", suite()));
    gate.terminate();
    // The delivery is lost for good: MLflow retries a refused connection
    // for a few seconds, so without its webhook nothing can bring it.
    let id = gate.webhook.take().unwrap();
    http(
        "DELETE",
        &format!("{}/api/2.0/mlflow/webhooks/{id}", server.url),
        &[],
        b"",
    );
    let v1 = server.register(model, "good");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !tags(model, &v1).contains_key("mltest.verdict"),
        "nobody evaluated it yet"
    );
    gate.spawn(&["--register-webhook"]);
    gate.webhook = mlflow_get("webhooks", &[])["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["url"] == gate.hook_url())
        .and_then(|w| w["webhook_id"].as_str().map(str::to_string));
    assert_eq!(
        verdict(model, &v1, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    let jobs = gate.jobs(model);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["reason"], "reconcile: no verdict");
    wait_for("the alias", Duration::from_secs(30), || {
        (alias(model, "champion").as_deref() == Some(v1.as_str())).then_some(())
    });
}

#[test]
fn a_hand_moved_alias_is_flagged_and_reverted() {
    let server = MlflowServer::shared();
    let model = "gate-guard";
    let gate = Gate::start(&format!(
        "[models.{model}]\nsuite = \"{}\"\nguard = \"revert\"\n",
        suite()
    ));
    let v1 = server.register(model, "good");
    assert_eq!(
        verdict(model, &v1, "mltest.verdict"),
        "passed",
        "{}",
        gate.log()
    );
    let v2 = server.register(model, "regressed");
    assert_eq!(verdict(model, &v2, "mltest.verdict"), "failed");
    // Someone with EDIT moves the champion to the failed version.
    set_alias(model, "champion", &v2);
    let violation = wait_for("the violation tag", Duration::from_secs(60), || {
        tags(model, &v2).get("mltest.violation").cloned()
    });
    assert!(
        violation.as_str().unwrap().contains("without a gate pass"),
        "{violation}"
    );
    wait_for("the revert", Duration::from_secs(60), || {
        (alias(model, "champion").as_deref() == Some(v1.as_str())).then_some(())
    });
    let check = mltest(&[
        "gate",
        "check",
        &format!("{model}@champion"),
        "--registry",
        &server.url,
    ]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "the restored champion is approved"
    );
}

#[test]
fn environment_chain_promotes_staging_then_production() {
    let server = MlflowServer::shared();
    let model = "gate-chain";
    let dir = tempfile::tempdir().unwrap();
    let production = dir.path().join("production.toml");
    let text = std::fs::read_to_string(suite()).unwrap();
    // Production runs only the metrics check: a different suite per step.
    let metrics_only = text
        .split("[[check]]")
        .filter(|c| {
            !c.contains("id = \"schema\"")
                && !c.contains("id = \"drift\"")
                && !c.contains("id = \"fairness\"")
        })
        .collect::<Vec<_>>()
        .join("[[check]]");
    std::fs::write(
        &production,
        metrics_only.replace("name = \"credit-risk-registry\"", "name = \"production\""),
    )
    .unwrap();
    let gate = Gate::start(&format!(
        "[[models.{model}.promote]]\nalias = \"staging\"\nsuite = \"{}\"\n[[models.{model}.promote]]\nalias = \"production\"\nsuite = \"{}\"\nrequires = \"staging\"\n",
        suite(),
        production.display()
    ));
    let v1 = server.register(model, "good");
    assert_eq!(
        verdict(model, &v1, "mltest.verdict.staging"),
        "passed",
        "{}",
        gate.log()
    );
    assert_eq!(
        verdict(model, &v1, "mltest.verdict.production"),
        "passed",
        "{}",
        gate.log()
    );
    assert_eq!(
        tags(model, &v1)["mltest.summary.production"],
        "1 checks: 1 passed"
    );
    wait_for("both aliases", Duration::from_secs(30), || {
        (alias(model, "staging").as_deref() == Some(v1.as_str())
            && alias(model, "production").as_deref() == Some(v1.as_str()))
        .then_some(())
    });

    let v2 = server.register(model, "regressed");
    assert_eq!(verdict(model, &v2, "mltest.verdict.staging"), "failed");
    // Asking for production directly: refused, it skipped staging.
    mlflow_post(
        "model-versions/set-tag",
        json!({"name": model, "version": v2, "key": "mltest.request.production", "value": "deploy-1"}),
    );
    assert_eq!(
        verdict(model, &v2, "mltest.verdict.production"),
        "failed",
        "{}",
        gate.log()
    );
    assert!(
        tags(model, &v2)["mltest.summary.production"]
            .as_str()
            .unwrap()
            .contains("has not passed `staging`")
    );
    assert_eq!(alias(model, "production"), Some(v1));
}

/// A tiny HTTP receiver: accepts one request and answers 200.
fn receive_one(listener: TcpListener) -> std::thread::JoinHandle<(String, Vec<u8>)> {
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = stream.read(&mut buf).unwrap();
            data.extend_from_slice(&buf[..n]);
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).unwrap();
                    data.extend_from_slice(&buf[..n]);
                }
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .unwrap();
                return (head, data[end + 4..end + 4 + length].to_vec());
            }
        }
    })
}

/// The registry suite with a drift trigger to a local receiver.
fn with_trigger(dir: &Path, port: u16) -> String {
    let path = dir.join("monitor.toml");
    let text = std::fs::read_to_string(suite()).unwrap();
    std::fs::write(&path, format!("{text}\n[[trigger]]\non = \"drift\"\nurl = \"http://127.0.0.1:{port}/retrain\"\nsecret_env = \"RETRAIN_SECRET\"\n")).unwrap();
    path.display().to_string()
}

#[test]
fn retraining_trigger_reaches_a_receiver_with_a_valid_signature() {
    let server = MlflowServer::shared();
    let model = "gate-trigger";
    let version = server.register(model, "regressed");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let receiver = receive_one(listener);
    let dir = tempfile::tempdir().unwrap();
    let suite_path = with_trigger(dir.path(), port);
    let run = Command::new(BINARY)
        .args(["run"])
        .arg(&suite_path)
        .args([
            "--registry",
            &server.url,
            "--model",
            &format!("{model}/{version}"),
        ])
        .env("RETRAIN_SECRET", "retrain-secret")
        .env("MLTEST_CACHE_DIR", root().join("target/test-gate-cache"))
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let (head, body) = receiver.join().unwrap();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("no {name} in {head}"))
    };
    assert!(head.starts_with("POST /retrain "), "{head}");
    let signature = header("x-mltest-signature");
    assert_eq!(
        signature,
        sign(
            "retrain-secret",
            &header("x-mltest-delivery-id"),
            &header("x-mltest-timestamp"),
            &body
        )
    );
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["check"]["id"], "drift");
    assert_eq!(payload["model"], json!({"name": model, "version": version}));
    let columns: Vec<&str> = payload["drifted_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in ["income", "loan_amount", "debt_to_income", "home_ownership"] {
        assert!(columns.contains(&c), "{c} in {columns:?}");
    }
    assert!(String::from_utf8_lossy(&run.stderr).contains("answered 200"));
}

#[test]
fn an_unreachable_registry_is_named_retried_then_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (dead, port) = (free_port(), free_port());
    std::fs::write(
        dir.path().join("gate.toml"),
        format!(
            "[mlflow]\nurl = \"http://127.0.0.1:{dead}\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n[webhook]\nsecret_env = \"MLTEST_WEBHOOK_SECRET\"\n\
             [jobs]\nmax_attempts = 2\nretry_backoff = \"1s\"\nreconcile_every = \"1h\"\n[models.m]\nsuite = \"{}\"\n",
            suite()
        ),
    )
    .unwrap();
    let serve = |extra: &[&str]| {
        let mut c = Command::new(BINARY);
        c.args(["serve", "--config"])
            .arg(dir.path().join("gate.toml"))
            .args(extra);
        c.env("MLTEST_WEBHOOK_SECRET", SECRET)
            .env("MLTEST_CACHE_DIR", root().join("target/test-gate-cache"));
        c
    };
    // The self-check names the problem and fails.
    let check = serve(&["--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&check.stderr).contains("MLflow cannot be reached"),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // No secret: refused before anything starts.
    let unset = serve(&[])
        .env_remove("MLTEST_WEBHOOK_SECRET")
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("MLTEST_WEBHOOK_SECRET"));

    // Served anyway, a delivery is accepted; its job retries, then errors.
    let log = std::fs::File::create(dir.path().join("gate.log")).unwrap();
    let child = serve(&[])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut gate = Gate {
        dir,
        port,
        child: Some(child),
        webhook: None,
    };
    wait_for("the gate", Duration::from_secs(60), || {
        (http("GET", &format!("http://127.0.0.1:{port}/healthz"), &[], b"").0 == 200).then_some(())
    });
    assert_eq!(
        http("GET", &format!("http://127.0.0.1:{port}/readyz"), &[], b"").0,
        503
    );
    let body = br#"{"entity": "model_version", "action": "created", "data": {"name": "m", "version": "1"}}"#;
    let (status, answer) = gate.deliver("d-1", now(), body, Some(SECRET));
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("queued")),
        "{answer}"
    );
    let job = wait_for("the job in error", Duration::from_secs(90), || {
        gate.jobs("m").into_iter().find(|j| j["state"] == "error")
    });
    assert_eq!(job["attempts"], 2, "{job}");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("cannot reach the registry"),
        "{job}"
    );
    gate.terminate();
}

#[test]
fn registry_sources_are_validated_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[artifacts]\nm = { mlflow = \"modle\" }\nh = { mlflow = \"run-artifact\", path = \"../../etc/passwd\" }\n\
         r = { mlflow = \"run-artifact\" }\nc = { mlflow = \"metrics\", of = \"rival\" }\n\
         [[check]]\nid = \"x\"\nplugin = \"metrics\"\nparams = { candidate = \"c\", thresholds = { auc = { min = 0.5 } } }\n\
         [[trigger]]\non = \"x\"\nurl = \"ftp://x\"\nsecret_env = \"S\"\n",
    )
    .unwrap();
    let out = mltest(&["validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for wanted in [
        "unknown registry source `modle`",
        "did you mean `model`",
        "is not a relative path inside",
        "a run artifact needs a `path`",
        "`of` must be \"candidate\" or \"champion\"",
        "is not an http or https URL",
        "bad.toml:2:",
    ] {
        assert!(stderr.contains(wanted), "{wanted}:\n{stderr}");
    }
    // A registry suite without a registry is a usage error, not a crash.
    let out = mltest(&["run", &suite()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --registry URL and --model"));
    let out = mltest(&["validate", &suite()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "static checks pass without a registry"
    );
}
