//! Compiles check plugins to `wasm32-wasip2` components from a build script.
//!
//! The runner embeds its built-in plugins and the end-to-end tests build their
//! hostile plugins the same way, so both share this helper. It runs a nested
//! `cargo build` with its own target directory (so it never waits on the outer
//! build's lock), in release mode (small, fast-to-compile components).

use std::env;
use std::path::PathBuf;
use std::process::Command;

/// The target every plugin is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// A plugin component produced by [`build`].
pub struct Built {
    /// The cargo package name, e.g. `mltest-plugin-schema`.
    pub package: String,
    /// Path of the component file.
    pub wasm: PathBuf,
}

/// Builds `packages` of this workspace for [`TARGET`], from a build script of
/// a crate one folder below the workspace root.
///
/// Cargo reruns the calling build script when `sources` (folders relative to
/// the workspace root), the WIT contract, the SDK, or the workspace manifest
/// and lock file change. Fails the build script with a clear message (not a
/// panic backtrace) when the target is not installed or the nested build fails.
pub fn build(packages: &[&str], sources: &[&str]) -> Vec<Built> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set for build scripts"));
    let workspace_root = manifest
        .parent()
        .expect("the crate sits one folder below the workspace root");
    for path in ["Cargo.toml", "Cargo.lock", "wit", "plugins/sdk", "report"]
        .iter()
        .chain(sources)
    {
        println!(
            "cargo::rerun-if-changed={}",
            workspace_root.join(path).display()
        );
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    ensure_target_installed();

    let target_dir = plugin_target_dir();
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(workspace_root)
        .args([
            "build",
            "--profile",
            "plugin",
            "--locked",
            "--target",
            TARGET,
            "--target-dir",
        ])
        .arg(&target_dir);
    for package in packages {
        cmd.args(["-p", package]);
    }
    // The outer build's flags and wrappers (clippy's driver, coverage flags)
    // are for the host; they must not leak into the guest build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run `{cargo}`: {e}")));
    if !status.success() {
        fail(&format!(
            "building plugins {packages:?} for {TARGET} failed (see the output above)"
        ));
    }

    let release = target_dir.join(TARGET).join("plugin");
    packages
        .iter()
        .map(|package| {
            let wasm = release.join(format!("{}.wasm", package.replace('-', "_")));
            if !wasm.is_file() {
                fail(&format!(
                    "plugin build produced no component at {}",
                    wasm.display()
                ));
            }
            Built {
                package: (*package).to_string(),
                wasm,
            }
        })
        .collect()
}

/// Guest builds go beside the outer target dir (`target/plugins`), so they are
/// shared by every profile and survive `cargo clean -p`.
fn plugin_target_dir() -> PathBuf {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set for build scripts"));
    // OUT_DIR = <target>/<profile>/build/<pkg>-<hash>/out
    match out_dir.ancestors().nth(4) {
        Some(target) if target.join("CACHEDIR.TAG").exists() => target.join("plugins"),
        _ => out_dir.join("plugins"),
    }
}

fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = sysroot
        .map(|root| root.join("lib/rustlib").join(TARGET).is_dir())
        .unwrap_or(false);
    if !installed {
        fail(&format!(
            "the `{TARGET}` target is not installed; the built-in plugins need it. \
             fix: rustup target add {TARGET}"
        ));
    }
}

fn fail(message: &str) -> ! {
    println!("cargo::error={message}");
    std::process::exit(1);
}
