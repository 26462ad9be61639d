//! The built-in plugins, compiled to components by `build.rs` and embedded.

/// A plugin component shipped inside the binary.
pub struct Builtin {
    pub name: &'static str,
    pub wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
