//! A real OCI registry for the plugin distribution tests: Debian's
//! `docker-registry` (the CNCF distribution server), on loopback, one per
//! test, with its storage in a folder the test can reach (to damage a blob
//! on purpose). It is stopped when the value is dropped, and it dies with
//! the test process however that ends.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{docker_registry, free_port};

pub struct OciRegistry {
    /// `127.0.0.1:PORT`, as an `oci://` reference names it.
    pub host: String,
    /// The filesystem driver's root.
    pub storage: PathBuf,
    child: Child,
    watchdog: Child,
    _dir: tempfile::TempDir,
}

impl OciRegistry {
    pub fn start() -> OciRegistry {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = dir.path().join("storage");
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        // No blob descriptor cache: what is on disk is what is served.
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
                storage.display()
            ),
        )
        .expect("write the registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new(docker_registry())
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        // The server goes when the test process goes, even when it is killed.
        let watchdog = Command::new("sh")
            .args([
                "-c",
                &format!(
                    "while kill -0 {parent} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 1; done; kill -TERM {child} 2>/dev/null",
                    parent = std::process::id(),
                    child = child.id()
                ),
            ])
            .stdin(Stdio::null())
            .spawn()
            .expect("start the watchdog");
        let registry = OciRegistry {
            host,
            storage,
            child,
            watchdog,
            _dir: dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(&registry.host).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "docker-registry did not listen in 30 s:\n{}",
                std::fs::read_to_string(registry._dir.path().join("registry.log"))
                    .unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// Where the registry keeps the blob with this `sha256:` digest.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // It sees the server gone within a second and ends.
        let _ = self.watchdog.wait();
    }
}
