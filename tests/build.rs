//! Builds the hostile plugin the sandbox tests run, and tells the tests where it is.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let root = Path::new(&manifest)
        .parent()
        .expect("tests/ sits in the workspace");
    mltest_plugin_build::rerun_if_changed(&[
        &root.join("Cargo.toml"),
        &root.join("Cargo.lock"),
        &root.join("tests/hostile"),
        &root.join("plugins/sdk"),
        &root.join("wit"),
    ]);
    let built = mltest_plugin_build::build(root, &["mltest-plugin-hostile"]);
    println!(
        "cargo::rustc-env=MLTEST_HOSTILE_PLUGIN={}",
        built[0].wasm.display()
    );
}
