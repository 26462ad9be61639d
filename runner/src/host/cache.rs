//! Compiled-component cache, keyed by component digest and engine.
//!
//! Compiling a component with Cranelift costs far more than loading its
//! machine code back, so a second run skips it. Entries are named
//! `<component sha256>-<engine hash>.cwasm`; the engine hash covers the
//! wasmtime version and every setting that changes generated code, so a
//! stale entry is never loaded. A damaged entry is recompiled and replaced.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

pub struct ComponentCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

impl ComponentCache {
    /// `dir = None` disables caching.
    pub fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The default location: `$MLTEST_CACHE_DIR`, else the user cache dir.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("MLTEST_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("mltest").join("components"))
    }

    /// Loads the component from the cache, or compiles (and stores) it.
    /// Returns whether it came from the cache.
    pub fn load(
        &self,
        engine: &Engine,
        digest: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, bool)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, wasm)?, false));
        };
        let path = dir.join(format!("{digest}-{}.cwasm", self.engine_key));
        if path.is_file() {
            // SAFETY: entries are written only by `store` below, from
            // `Component::serialize` of this same engine configuration (the
            // engine hash is in the name); wasmtime also validates the header.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok((component, true));
            }
        }
        let component = Component::new(engine, wasm)?;
        // A cache that cannot be written only costs time on the next run.
        let _ = store(dir, &path, &component);
        Ok((component, false))
    }
}

fn store(dir: &Path, path: &Path, component: &Component) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    // Write then rename, so a concurrent run never reads a partial entry.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
