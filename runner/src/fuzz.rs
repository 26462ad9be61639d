//! Entry points for the fuzz targets in `fuzz/`: not an API. They exist so
//! the targets drive exactly the code `mltest` runs on a suite file, an
//! artifact, or a report, and nothing else of the crate is public.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use mltest_report::{CheckResult, FindingResult, Outcome, RunResult, Severity};

use crate::catalog::{Catalog, read_everything};
use crate::suite::{ArtifactSpec, Format, SizeLimits};

/// Parses a suite file's text and renders every diagnostic it gives.
/// Returns how many mistakes were found.
pub fn suite(text: &str) -> usize {
    let dir = std::env::temp_dir().join("mltest-fuzz-suite");
    let _ = std::fs::create_dir_all(&dir);
    match crate::suite::Suite::parse_text(&dir.join("mltest.toml"), text.to_string()) {
        Ok(_) => 0,
        Err(errors) => {
            let mut out = String::new();
            let handler = miette::GraphicalReportHandler::new();
            let _ = handler.render_report(&mut out, &errors);
            errors.errors.len()
        }
    }
}

/// Reads `bytes` as an artifact of `format` (`parquet`, `arrow`, `csv`,
/// `json`, `mlmodel`, `profile`), every column of a table included. Returns whether
/// it read; an error must name the file.
pub fn artifact(bytes: &[u8], format: &str) -> bool {
    let Some(format) = Format::from_name(format) else {
        return false;
    };
    let mut file = match tempfile::NamedTempFile::new() {
        Ok(file) => file,
        Err(_) => return false,
    };
    if file.write_all(bytes).is_err() {
        return false;
    }
    let spec = ArtifactSpec {
        name: "fuzzed".into(),
        path: file.path().to_path_buf(),
        format,
        delimiter: b',',
        registry: None,
        absent: None,
        sha256: None,
    };
    let catalog = Catalog::new(&[spec], &[], SizeLimits::default());
    match read_everything(&catalog, "fuzzed") {
        Ok(()) => true,
        Err(e) => {
            let name = file.path().display().to_string();
            assert!(e.to_string().contains(&name), "unnamed error: {e}");
            false
        }
    }
}

/// Renders every report (JUnit, JSON, terminal, GitHub, GitLab, HTML) of
/// one check whose findings carry `texts` (names, messages, details,
/// properties) and `numbers`. The JUnit output must hold no character XML
/// 1.0 forbids, the JSON must read back, and the CI and HTML outputs must
/// keep untrusted text inert.
pub fn reports(texts: &[String], numbers: &[f64]) {
    let text = |i: usize| {
        texts
            .get(i % texts.len().max(1))
            .cloned()
            .unwrap_or_default()
    };
    let mut check = CheckResult::new(text(0), text(1), Severity::Error);
    check.plugin_version = text(2);
    check.stdout = text(3);
    check.stderr = text(4);
    check.logs = texts.iter().take(4).cloned().collect();
    let outcomes = [
        Outcome::Pass,
        Outcome::Warn,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Skip,
    ];
    for (i, chunk) in texts.chunks(4).enumerate() {
        let mut finding = FindingResult::new(
            chunk[0].clone(),
            outcomes[i % outcomes.len()],
            chunk.get(1).cloned().unwrap_or_default(),
        );
        finding.details = chunk.get(2).cloned().unwrap_or_default();
        finding.observed = numbers.get(i).copied();
        finding.threshold = numbers.get(i + 1).copied();
        let mut properties = BTreeMap::new();
        if let Some(value) = chunk.get(3) {
            properties.insert(value.clone(), value.clone());
            properties.insert("error".into(), value.clone());
        }
        finding.properties = properties;
        check.findings.push(finding);
    }
    let check = crate::run::finish(check);
    let run = RunResult::new(text(5), Duration::from_millis(3), vec![check]);
    let xml = crate::report::junit::render(
        &run,
        crate::report::junit::Flavor::Extended,
        &crate::report::RepoPaths::default(),
    );
    let xml = String::from_utf8(xml).expect("JUnit is UTF-8");
    assert!(
        !xml.chars()
            .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}')),
        "JUnit holds a character XML 1.0 forbids"
    );
    let json = run.to_json();
    RunResult::from_json(&json).expect("the JSON report reads back");
    // The CI and HTML renderers: GitHub commands must start their lines
    // and untrusted text must not open one; the Code Quality file must be
    // JSON whose every entry has an integer line; no raw `<` from a
    // plugin may reach the HTML.
    let paths = crate::report::RepoPaths::default();
    let detail = crate::report::terminal::Detail {
        verbose: true,
        explain: true,
    };
    let log =
        crate::report::github::log(&run, &paths) + &crate::report::github::terminal(&run, detail);
    // Outside the stop-commands fences (where the runner parses nothing),
    // every command is one mltest wrote.
    let mut fence: Option<String> = None;
    for line in log.lines() {
        if let Some(token) = &fence {
            if line == format!("::{token}::") {
                fence = None;
            }
            continue;
        }
        if let Some(token) = line.strip_prefix("::stop-commands::") {
            fence = Some(token.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("::") {
            assert!(
                ["group::", "endgroup::", "error ", "warning ", "notice "]
                    .iter()
                    .any(|p| rest.starts_with(p)),
                "an unexpected workflow command: {line}"
            );
        }
    }
    assert!(fence.is_none(), "a stop-commands fence left open");
    let summary = crate::report::github::summary(&run, &paths, 64 * 1024);
    assert!(summary.len() <= 64 * 1024, "the summary broke its budget");
    let quality: serde_json::Value =
        serde_json::from_str(&crate::report::gitlab::codequality(&run, &paths))
            .expect("Code Quality is JSON");
    for entry in quality.as_array().expect("an array") {
        assert!(entry["location"]["lines"]["begin"].is_u64());
    }
    let _ = crate::report::gitlab::metrics(&run);
    let _ = crate::report::gitlab::log(&run, 0);
    let html = crate::report::html::render(&run);
    for t in texts {
        if t.contains("<x") {
            assert!(
                !html.contains(t.as_str()),
                "plugin text reached the HTML unescaped"
            );
        }
    }
    let mut terminal = Vec::new();
    let _ = crate::report::terminal::write(
        &mut terminal,
        &run,
        crate::report::terminal::Detail {
            verbose: true,
            explain: true,
        },
    );
}

/// A webhook delivery: the first three lines are the delivery id, timestamp
/// and signature headers, the rest the body. Verification and event
/// parsing must never panic. Returns how many jobs it would queue.
pub fn webhook(bytes: &[u8]) -> usize {
    let mut parts = bytes.splitn(4, |b| *b == b'\n');
    let mut header = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (id, timestamp, signature) = (header(), header(), header());
    let body = parts.next().unwrap_or_default();
    crate::gate::plan_untrusted([&id, &timestamp, &signature], body)
}
