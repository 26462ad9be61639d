//! Builds the hostile plugin the sandbox tests run, and tells the tests where it is.

fn main() {
    let built = mltest_plugin_build::build(&["mltest-plugin-hostile"], &["tests/hostile"]);
    println!(
        "cargo::rustc-env=MLTEST_HOSTILE_PLUGIN={}",
        built[0].wasm.display()
    );
}
