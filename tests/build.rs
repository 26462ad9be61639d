//! Builds the hostile plugins the sandbox tests run, and tells the tests where they are.

fn main() {
    let built = mltest_plugin_build::build(
        &[
            "mltest-plugin-hostile",
            "mltest-plugin-hostile-schema",
            "mltest-plugin-hostile-describe",
            "mltest-plugin-legacy",
        ],
        &[
            "tests/hostile",
            "tests/hostile-schema",
            "tests/hostile-describe",
            "tests/legacy",
        ],
    );
    for (name, plugin) in ["HOSTILE", "HOSTILE_SCHEMA", "HOSTILE_DESCRIBE", "LEGACY"]
        .iter()
        .zip(&built)
    {
        println!(
            "cargo::rustc-env=MLTEST_{name}_PLUGIN={}",
            plugin.wasm.display()
        );
    }
}
