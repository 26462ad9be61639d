//! Compiled-component cache, keyed by component digest and engine.
//!
//! Compiling a component with Cranelift costs far more than loading its
//! machine code back, so a second run skips it. Entries are named
//! `<component sha256>-<engine hash>.cwasm`; the engine hash covers the
//! wasmtime version and every setting that changes generated code, so a
//! stale entry is never loaded.
//!
//! Entries are native code that is run as it is, so a damaged entry must
//! never be loaded: wasmtime checks only the header. Each entry starts with
//! the sha256 of the rest, written with it in one atomic rename and checked
//! before the code is handed to wasmtime; an entry that fails the check is
//! recompiled and replaced.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct ComponentCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

impl ComponentCache {
    /// `dir = None` disables caching.
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    pub(crate) fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The default location: `$MLTEST_CACHE_DIR`, else the user cache dir.
    pub(crate) fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("MLTEST_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("mltest").join("components"))
    }

    /// Loads the component from the cache, or compiles (and stores) it.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        digest: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<Component> {
        let Some(dir) = &self.dir else {
            return Component::new(engine, wasm);
        };
        let path = dir.join(format!("{digest}-{}.cwasm", self.engine_key));
        if let Some(code) = verified(&path) {
            // SAFETY: the bytes are exactly what `store` below wrote, from
            // `Component::serialize` of this same engine configuration (the
            // engine hash is in the name): their sha256 matches the one
            // written with them.
            if let Ok(component) = unsafe { Component::deserialize(engine, &code) } {
                return Ok(component);
            }
        }
        let component = Component::new(engine, wasm)?;
        // A cache that cannot be written only costs time on the next run.
        let _ = store(dir, &path, &component);
        Ok(component)
    }
}

fn store(dir: &Path, path: &Path, component: &Component) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut entry = Sha256::digest(&bytes).to_vec();
    entry.extend_from_slice(&bytes);
    // Write then rename, so a concurrent run never reads a partial entry.
    crate::files::write_atomic(path, &entry)
}

/// Largest entry read back: far above any plugin's compiled size.
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// The entry's code, if its checksum holds.
fn verified(path: &Path) -> Option<Vec<u8>> {
    let entry = crate::files::read(path, MAX_ENTRY_BYTES, "cache entries").ok()?;
    let (sum, code) = entry.split_at_checked(32)?;
    (Sha256::digest(code).as_slice() == sum).then(|| code.to_vec())
}
