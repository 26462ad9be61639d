//! A real `mlflow server` for the gate tests, started once per test process.
//!
//! SQLite backend on loopback, with the webhook settings the gate needs
//! (a fixed encryption key, private IPs and `http` allowed, and a short
//! subscription cache so a webhook created by a test sees events at once).
//! It runs in its own process group under a watchdog that stops the whole
//! group when the test process ends, however it ends.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{python, root};

/// A Fernet key (32 url-safe base64 bytes): every server process must use
/// the same one, or webhook secrets cannot be read back (MLflow #19896).
const ENCRYPTION_KEY: &str = "bWx0ZXN0LWdhdGUtdGVzdHMtZmVybmV0LWtleS0wMDA=";

pub struct MlflowServer {
    pub url: String,
    pub dir: PathBuf,
    /// The watchdog shell; it outlives nothing it should not (see above).
    _watchdog: std::sync::Mutex<std::process::Child>,
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl MlflowServer {
    /// The shared server; the first caller starts it (16–30 s).
    pub fn shared() -> &'static MlflowServer {
        static SERVER: OnceLock<MlflowServer> = OnceLock::new();
        SERVER.get_or_init(MlflowServer::start)
    }

    fn start() -> MlflowServer {
        let python = python();
        let dir = root()
            .join("target/test-mlflow")
            .join(format!("{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mlflow dir");
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mlflow = python.parent().expect("venv bin").join("mlflow");
        // The watchdog: the server and its workers share a new process group
        // (setsid); when the test process is gone, the group is killed.
        let script = format!(
            "{mlflow} server --host 127.0.0.1 --port {port} --workers 2 \
               --backend-store-uri sqlite:///{db} --artifacts-destination {art} > {log} 2>&1 &
             while kill -0 {parent} 2>/dev/null; do sleep 1; done
             kill -TERM -$$ 2>/dev/null; sleep 2; kill -KILL -$$ 2>/dev/null",
            mlflow = mlflow.display(),
            db = dir.join("mlflow.db").display(),
            art = dir.join("artifacts").display(),
            log = dir.join("server.log").display(),
            parent = std::process::id(),
        );
        let watchdog = Command::new("setsid")
            .args(["sh", "-c", &script])
            .env("MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY", ENCRYPTION_KEY)
            .env("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
            .env("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "http,https")
            .env("MLFLOW_WEBHOOK_CACHE_TTL", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mlflow server");
        let started = Instant::now();
        loop {
            if health(&url) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "mlflow server did not answer /health in 180 s:\n{}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        MlflowServer {
            url,
            dir,
            _watchdog: std::sync::Mutex::new(watchdog),
        }
    }

    /// Registers a version of the credit-risk demo model (`good` or
    /// `regressed`) through MLflow's Python client; returns its number.
    pub fn register(&self, name: &str, variant: &str) -> String {
        let output = Command::new(python())
            .arg(root().join("tests/mlflow/register.py"))
            .args([
                "--tracking-uri",
                &self.url,
                "--name",
                name,
                "--variant",
                variant,
            ])
            .output()
            .expect("register.py runs");
        assert!(
            output.status.success(),
            "register.py failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .expect("register.py prints JSON");
        let version = line
            .split("\"version\": \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a version");
        version.to_string()
    }
}

/// `GET /health` answers 200.
fn health(url: &str) -> bool {
    use std::io::{Read, Write};
    let Some(addr) = url.strip_prefix("http://") else {
        return false;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(format!("GET /health HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}
