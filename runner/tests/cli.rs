//! The binary's own command-line surface. (The end-to-end suite lives in
//! the `tests/` crate; this file also makes `cargo test` build the binary.)

use std::process::Command;

fn mltest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mltest"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

#[test]
fn help_describes_commands_and_exit_codes() {
    let out = mltest(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "run",
        "validate",
        "plugins",
        "Exit codes",
        "3 a check could not be evaluated",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn usage_errors_exit_with_two() {
    let out = mltest(&["run", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = mltest(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn version_prints() {
    let out = mltest(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("mltest "));
}

#[test]
fn cache_options_are_global() {
    let dir = std::env::temp_dir().join(format!("mltest-cli-cache-{}", std::process::id()));
    let before = mltest(&["--cache-dir", dir.to_str().unwrap(), "plugins"]);
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert!(
        std::fs::read_dir(&dir).unwrap().count() >= 2,
        "compiled plugins cached in --cache-dir"
    );
    let after = mltest(&["plugins", "--no-cache"]);
    assert!(after.status.success());
    std::fs::remove_dir_all(&dir).ok();
}
