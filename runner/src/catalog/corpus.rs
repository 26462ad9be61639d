//! The corrupt-input corpus (`tests/corrupt/`, from its committed
//! generator): every truncated, bit-flipped and malformed file of every
//! format is read as mltest reads it, and must give either its data or a
//! clean error that names the file. A crash or an allocation of the size a
//! damaged length asks for would abort this test process.

use std::path::PathBuf;

use super::{Catalog, read_everything};
use crate::suite::{ArtifactSpec, Format, SizeLimits};

#[test]
fn every_corrupt_file_gives_its_data_or_a_named_error() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/corrupt/files");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["files"].as_array().unwrap();
    assert!(entries.len() > 250, "the corpus is all there");
    let mut failures = Vec::new();
    let (mut errors, mut read) = (0, 0);
    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let format = Format::from_name(entry["format"].as_str().unwrap()).unwrap();
        let delimiter = entry["delimiter"]
            .as_str()
            .map_or(b',', |d| d.as_bytes()[0]);
        let spec = ArtifactSpec {
            name: "a".into(),
            path: dir.join(file),
            format,
            delimiter,
            registry: None,
            absent: None,
            sha256: None,
        };
        let catalog = Catalog::new(&[spec], &[], SizeLimits::default());
        match read_everything(&catalog, "a") {
            Ok(()) => read += 1,
            Err(e) => {
                errors += 1;
                let message = e.to_string();
                if std::env::var_os("MLTEST_CORPUS_VERBOSE").is_some() {
                    eprintln!("{file}: {message}");
                }
                if !message.contains(file) {
                    failures.push(format!(
                        "{file}: the error does not name the file: {message}"
                    ));
                }
                if message.contains("panicked") {
                    failures.push(format!("{file}: {message}"));
                }
            }
        }
        if entry["damage"].as_str() == Some("none (the valid seed)")
            && read_everything(&catalog, "a").is_err()
        {
            failures.push(format!("{file}: a valid seed did not read"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Most damage is caught; some (a flipped bit in a value) is not damage
    // a reader can see.
    assert!(errors > entries.len() / 2, "{errors} errors, {read} read");
}
