//! Plugins pinned and distributed: `mltest lock` and `--locked` on the
//! demo, and OCI pulls against a real local registry (Debian's
//! `docker-registry`): push, pin, pull, cache, a tag pushed over, a damaged
//! blob, an unknown digest and an unreachable registry.

use sha2::Digest;

use crate::support::{HOSTILE_PLUGIN, Scratch, check};

/// Diagnostics as one line: miette wraps them at the terminal's width.
fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// The hostile plugin (behaving: `probe` looks at the clocks and passes) with a
/// custom section appended: another valid component, with another digest.
fn variant(tag: &str) -> Vec<u8> {
    let mut wasm = std::fs::read(HOSTILE_PLUGIN).unwrap();
    let name = b"mltest-test";
    let payload = tag.as_bytes();
    let size = 1 + name.len() + payload.len();
    assert!(size < 128, "one-byte LEB128 sizes");
    wasm.extend([0u8, size as u8, name.len() as u8]);
    wasm.extend(name);
    wasm.extend(payload);
    wasm
}

/// A one-check suite that runs the plugin `probe` from `source`.
fn probe_suite(scratch: &Scratch, file: &str, source: &str) {
    scratch.write(
        file,
        format!(
            "[suite]\nname = \"oci\"\n\n[plugins.probe]\n{source}\n\n[[check]]\nid = \"probe\"\nplugin = \"probe\"\n[check.params]\nbehavior = \"probe\"\n"
        ),
    );
}

/// `mltest plugin push FILE REF`; returns the manifest digest it printed.
fn push(scratch: &Scratch, file: &str, reference: &str) -> String {
    let run = scratch.mltest(&["plugin", "push", file, reference]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    let digest = out
        .split('@')
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("no digest in {out}"));
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{out}");
    digest.to_string()
}

fn lock_entry(lock: &str, name: &str) -> toml::Value {
    let lock: toml::Value = toml::from_str(lock).unwrap();
    lock["plugin"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no plugin `{name}` in {lock:#?}"))
        .clone()
}

/// A registry with one component pushed as `probe:1.0.0`: the registry,
/// the scratch folder, the component, its reference and manifest digest.
fn pushed() -> (
    mltest_testkit::OciRegistry,
    Scratch,
    Vec<u8>,
    String,
    String,
) {
    let registry = mltest_testkit::OciRegistry::start();
    let scratch = Scratch::credit_risk();
    let wasm = variant("first");
    scratch.write("probe.wasm", &wasm);
    let reference = format!("oci://{}/mltest/probe:1.0.0", registry.host);
    let manifest = push(&scratch, "probe.wasm", &reference);
    (registry, scratch, wasm, reference, manifest)
}

#[test]
fn oci_plugins_are_pushed_pinned_pulled_and_then_run_offline() {
    let (registry, scratch, wasm, reference, manifest) = pushed();
    probe_suite(&scratch, "oci.toml", &format!("oci = \"{reference}\""));

    // A tag alone is not a pin.
    let run = scratch.mltest(&["run", "oci.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains("is not pinned by digest")
            && flat(&run.stderr()).contains("mltest lock"),
        "{}",
        run.all()
    );
    assert!(
        flat(&run.stderr()).contains("oci.toml"),
        "points at the suite: {}",
        run.all()
    );

    let run = scratch.mltest(&["lock", "oci.toml"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains("locked 1 plugins in oci.lock"),
        "{}",
        run.all()
    );
    let lock = scratch.read("oci.lock");
    let entry = lock_entry(&lock, "probe");
    assert_eq!(entry["source"].as_str(), Some(reference.as_str()));
    assert_eq!(entry["manifest"].as_str(), Some(manifest.as_str()));
    assert_eq!(entry["sha256"].as_str(), Some(sha256(&wasm).as_str()));
    assert_eq!(entry["version"].as_str(), Some("0.1.0"));

    let (run, report) = scratch.run_suite("oci.toml", &["--locked"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(check(&report, "probe")["outcome"], "pass", "{report:#}");
    assert!(scratch.read("report.xml").contains("classname=\"probe\""));
    let blob = scratch.path(".cache/oci/blobs").join(sha256(&wasm));
    assert_eq!(
        std::fs::read(&blob).unwrap(),
        wasm,
        "the component is cached"
    );

    // With the registry gone, a pinned run needs nothing from it; a
    // `--locked` one must ask it what the tag means, and says it cannot.
    drop(registry);
    let (run, report) = scratch.run_suite("oci.toml", &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(check(&report, "probe")["outcome"], "pass");
    let run = scratch.mltest(&["run", "oci.toml", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains("registry 127.0.0.1:"),
        "{}",
        run.all()
    );
}

#[test]
fn a_tag_pushed_over_is_refused_by_locked_runs_and_ignored_by_pinned_ones() {
    let registry = mltest_testkit::OciRegistry::start();
    let scratch = Scratch::credit_risk();
    let (first, second) = (variant("first"), variant("second"));
    scratch.write("first.wasm", &first);
    scratch.write("second.wasm", &second);
    let reference = format!("oci://{}/mltest/probe:1.0.0", registry.host);
    let pinned = push(&scratch, "first.wasm", &reference);
    probe_suite(&scratch, "oci.toml", &format!("oci = \"{reference}\""));
    let run = scratch.mltest(&["lock", "oci.toml"]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let moved = push(&scratch, "second.wasm", &reference);
    assert_ne!(pinned, moved);
    let run = scratch.mltest(&["run", "oci.toml", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = flat(&run.stderr());
    assert!(
        err.contains(&format!("now points at {moved}"))
            && err.contains(&format!("the lockfile pins {pinned}"))
            && err.contains("mltest lock"),
        "{}",
        run.all()
    );

    // A run without --locked keeps to the pin: the first component runs,
    // pulled by digest, with a fresh cache.
    std::fs::remove_dir_all(scratch.path(".cache")).ok();
    let (run, report) = scratch.run_suite("oci.toml", &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(check(&report, "probe")["outcome"], "pass");
    assert!(
        scratch
            .path(".cache/oci/blobs")
            .join(sha256(&first))
            .is_file()
    );
    assert!(
        !scratch
            .path(".cache/oci/blobs")
            .join(sha256(&second))
            .exists()
    );

    // Locking again accepts the new content, and says what changed.
    let run = scratch.mltest(&["lock", "oci.toml"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains(&format!(
            "now points at {moved}, but the lockfile pins {pinned}"
        )),
        "{}",
        run.all()
    );
    let entry = lock_entry(&scratch.read("oci.lock"), "probe");
    assert_eq!(entry["manifest"].as_str(), Some(moved.as_str()));
    assert_eq!(entry["sha256"].as_str(), Some(sha256(&second).as_str()));
    let run = scratch.mltest(&["validate", "oci.toml", "--locked"]);
    assert_eq!(run.code(), 0, "{}", run.all());
}

#[test]
fn damaged_blobs_unknown_digests_and_unreachable_registries_are_clear_errors() {
    let (registry, scratch, wasm, reference, manifest) = pushed();

    // The registry's copy of the component is damaged on disk; the pin is
    // in the reference, so no lockfile is needed.
    let blob = registry.blob_path(&format!("sha256:{}", sha256(&wasm)));
    let mut damaged = std::fs::read(&blob).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(&blob, &damaged).unwrap();
    probe_suite(
        &scratch,
        "pinned.toml",
        &format!("oci = \"{reference}@{manifest}\""),
    );
    let run = scratch.mltest(&["run", "pinned.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = flat(&run.stderr());
    assert!(
        err.contains(&format!("registry {}", registry.host))
            && err.contains(&sha256(&damaged))
            && err.contains(&format!("sha256:{}", sha256(&wasm))),
        "{}",
        run.all()
    );
    assert!(
        !scratch
            .path(".cache/oci/blobs")
            .join(sha256(&damaged))
            .exists()
            && !scratch
                .path(".cache/oci/blobs")
                .join(sha256(&wasm))
                .exists(),
        "nothing damaged is cached"
    );

    // A digest the registry never had.
    let unknown = format!("sha256:{}", "0".repeat(64));
    probe_suite(
        &scratch,
        "unknown.toml",
        &format!("oci = \"{reference}@{unknown}\""),
    );
    let run = scratch.mltest(&["run", "unknown.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains(&format!("registry {}", registry.host))
            && flat(&run.stderr())
                .to_lowercase()
                .contains("manifest unknown"),
        "{}",
        run.all()
    );

    // Nothing listens: refused at once, not after a hang.
    let port = mltest_testkit::free_port();
    probe_suite(
        &scratch,
        "unreachable.toml",
        &format!("oci = \"oci://127.0.0.1:{port}/mltest/probe:1.0.0@{manifest}\""),
    );
    let started = std::time::Instant::now();
    let run = scratch.mltest(&["run", "unreachable.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains(&format!("registry 127.0.0.1:{port}"))
            && flat(&run.stderr())
                .to_lowercase()
                .contains("connection refused"),
        "{}",
        run.all()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn the_lockfile_round_trips_and_locked_refuses_each_kind_of_change() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&["lock", "--artifacts"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout()
            .contains("locked 6 plugins and 9 artifacts in mltest.lock"),
        "{}",
        run.all()
    );
    let written = scratch.read("mltest.lock");
    let lock: toml::Value = toml::from_str(&written).unwrap();
    assert_eq!(lock["version"].as_integer(), Some(1));
    let drift = lock_entry(&written, "drift");
    assert_eq!(drift["source"].as_str(), Some("builtin"));
    assert_eq!(drift["sha256"].as_str().map(str::len), Some(64));
    let artifacts = lock["artifact"].as_array().unwrap();
    let training = artifacts
        .iter()
        .find(|a| a["name"].as_str() == Some("training"))
        .unwrap();
    assert_eq!(training["path"].as_str(), Some("data/train.parquet"));
    assert_eq!(
        training["sha256"].as_str(),
        Some(sha256(&std::fs::read(scratch.path("data/train.parquet")).unwrap()).as_str())
    );
    // Locking twice writes the same bytes.
    assert_eq!(scratch.mltest(&["lock", "--artifacts"]).code(), 0);
    assert_eq!(scratch.read("mltest.lock"), written);
    let run = scratch.mltest(&["validate", "--locked"]);
    assert_eq!(run.code(), 0, "{}", run.all());

    // Changed data.
    let metrics = scratch.read("metrics/candidate.json");
    scratch.write("metrics/candidate.json", format!("{metrics}\n"));
    let run = scratch.mltest(&["validate", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr())
            .contains("artifact `candidate_metrics`: metrics/candidate.json has sha256"),
        "{}",
        run.all()
    );
    scratch.write("metrics/candidate.json", metrics);

    // A plugin the lockfile does not know, and one it knows differently.
    std::fs::copy(HOSTILE_PLUGIN, scratch.path("hostile.wasm")).unwrap();
    let suite = scratch.read("mltest.toml");
    scratch.write(
        "mltest.toml",
        format!("{suite}\n[plugins.hostile]\npath = \"hostile.wasm\"\n"),
    );
    let edited = written.replacen(drift["sha256"].as_str().unwrap(), &"e".repeat(64), 1);
    scratch.write("mltest.lock", &edited);
    let run = scratch.mltest(&["run", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = flat(&run.stderr());
    assert!(
        err.contains("plugin `hostile` (hostile.wasm) is not in the lockfile")
            && err.contains("plugin `drift`: the built-in plugin is 0.1.0 in this mltest")
            && err.contains(&format!(
                "the lockfile has 0.1.0 (builtin) with sha256 {}",
                "e".repeat(64)
            )),
        "{}",
        run.all()
    );
    assert!(!scratch.path("report.xml").exists(), "nothing ran");

    // A broken lockfile points at the problem; a missing one says what to do.
    scratch.write("mltest.lock", "version = 1\n[[plugin]]\nname = 3\n");
    let run = scratch.mltest(&["validate", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains("is not a valid lockfile"),
        "{}",
        run.all()
    );
    assert!(
        flat(&run.stderr()).contains("name = 3"),
        "shows the span: {}",
        run.all()
    );
    let run = scratch.mltest(&["lock"]);
    assert_eq!(
        run.code(),
        0,
        "a broken lockfile is replaced: {}",
        run.all()
    );
    assert!(run.stdout().contains("locked 7 plugins"), "{}", run.all());
    std::fs::remove_file(scratch.path("mltest.lock")).unwrap();
    let run = scratch.mltest(&["validate", "--locked"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        flat(&run.stderr()).contains("--locked needs mltest.lock")
            && flat(&run.stderr()).contains("mltest lock"),
        "{}",
        run.all()
    );
}

#[test]
fn bad_oci_references_are_suite_errors_at_their_span() {
    let scratch = Scratch::credit_risk();
    for (source, says) in [
        ("oci = \"oci://mltest/probe:1\"", "is not a registry host"),
        (
            "oci = \"oci://ghcr.io/acme/probe\"",
            "names no tag or digest",
        ),
        (
            "oci = \"https://ghcr.io/acme/probe:1\"",
            "does not start with `oci://`",
        ),
        (
            "oci = \"oci://ghcr.io/acme/probe:1\"\npath = \"probe.wasm\"",
            "has both `path` and `oci`",
        ),
    ] {
        probe_suite(&scratch, "bad.toml", source);
        let run = scratch.mltest(&["validate", "bad.toml"]);
        assert_eq!(run.code(), 2, "{source}: {}", run.all());
        let err = flat(&run.stderr());
        assert!(err.contains(says), "{source}: {err}");
        assert!(err.contains("bad.toml:5:"), "points at the line: {err}");
    }
}
