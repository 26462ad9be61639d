//! The built-in plugins, compiled to components by `build.rs` and embedded.

/// A plugin component shipped inside the binary.
pub(crate) struct Builtin {
    pub(crate) name: &'static str,
    pub(crate) wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
