//! Compiles the built-in plugins to wasm components and embeds them.

use std::path::Path;

const BUILTINS: &[(&str, &str)] = &[
    ("schema", "mltest-plugin-schema"),
    ("metrics", "mltest-plugin-metrics"),
    ("drift", "mltest-plugin-drift"),
    ("fairness", "mltest-plugin-fairness"),
    ("determinism", "mltest-plugin-determinism"),
    ("performance", "mltest-plugin-performance"),
];

fn main() {
    // Fuzz builds (cargo-fuzz sets `--cfg fuzzing`) exercise the suite
    // parser, the loaders and the report writers, none of which runs a
    // plugin; skipping the nested wasm build keeps them fast.
    if std::env::var_os("CARGO_CFG_FUZZING").is_some() {
        write("pub(crate) const BUILTINS: &[Builtin] = &[];\n".into());
        return;
    }
    let packages: Vec<&str> = BUILTINS.iter().map(|(_, package)| *package).collect();
    let built = mltest_plugin_build::build(&packages, &["plugins"]);
    let mut code = String::from("pub(crate) const BUILTINS: &[Builtin] = &[\n");
    for ((name, _), plugin) in BUILTINS.iter().zip(&built) {
        code.push_str(&format!(
            "    Builtin {{ name: {name:?}, wasm: include_bytes!({:?}) }},\n",
            plugin.wasm.display().to_string()
        ));
    }
    code.push_str("];\n");
    write(code);
}

fn write(code: String) {
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("builtin_plugins.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
