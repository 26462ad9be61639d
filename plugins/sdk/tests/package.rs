//! The SDK is publishable: it carries its own copy of the contract, which
//! is the host's, and `cargo package` builds it from the packaged files
//! alone (with `mltest-report`, which it depends on and is published first).

use std::path::Path;
use std::process::Command;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("plugins/sdk is two levels down")
}

/// The newest contract the host serves: `wit/since_v*/` folders, by version.
fn newest_contract() -> std::path::PathBuf {
    let version = |name: &str| -> Option<Vec<u64>> {
        name.strip_prefix("since_v")?
            .split('.')
            .map(|n| n.parse().ok())
            .collect()
    };
    let newest = std::fs::read_dir(workspace().join("wit"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            Some((version(&name)?, name))
        })
        .max()
        .expect("wit/ holds since_v* folders");
    workspace().join("wit").join(newest.1).join("plugin.wit")
}

#[test]
fn the_sdks_copy_of_the_contract_is_the_hosts_newest() {
    let newest = newest_contract();
    let host = std::fs::read_to_string(&newest).unwrap();
    let sdk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/plugin.wit"))
        .unwrap();
    assert!(
        host == sdk,
        "plugins/sdk/wit/plugin.wit differs from {}: copy the host's newest contract into the SDK",
        newest.display()
    );
}

#[test]
fn cargo_package_builds_the_sdk_from_its_own_files() {
    let target = workspace().join("target/package-check");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace())
        .args([
            "package",
            "-p",
            "mltest-report",
            "-p",
            "mltest-sdk",
            "--allow-dirty",
        ])
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo package failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace())
        .args(["package", "-p", "mltest-sdk", "--list", "--allow-dirty"])
        .output()
        .expect("cargo runs");
    let files = String::from_utf8_lossy(&list.stdout);
    assert!(
        files.lines().any(|l| l == "wit/plugin.wit"),
        "the package holds the contract: {files}"
    );
}
