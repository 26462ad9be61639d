//! The HTML report in a real browser: Debian's Chromium, headless (`.ci/run`
//! installs it). It must render with no console message at all (a CSP
//! violation is one), list drifted columns first, and draw every plot the
//! JSON report holds data for. The screenshot is kept as a test artifact
//! (`target/test-artifacts/html-report.png`; README's image is a copy).

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{Scratch, check, root};

/// Headless Chromium on a file, with a profile of its own and console
/// messages on stderr.
fn browse(page: &Path, profile: &Path, extra: &[&str]) -> Output {
    Command::new(mltest_testkit::chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

fn console(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Content Security Policy"))
        .map(str::to_string)
        .collect()
}

#[test]
fn html_report_renders_in_chromium_with_no_console_errors() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&[
        "run",
        "regressed.toml",
        "--json",
        "report.json",
        "--html",
        "report.html",
    ]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let report: serde_json::Value = serde_json::from_str(&scratch.read("report.json")).unwrap();
    let page = scratch.path("report.html");
    let profile = scratch.path("chromium-profile");

    // The control: the detector sees a CSP violation when there is one.
    let bad = scratch.write(
        "bad.html",
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><p style=\"color:red\">x</p></body></html>",
    );
    let control = browse(&bad, &profile, &["--dump-dom"]);
    assert!(
        console(&control)
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "the control page's inline style should be refused: {}",
        String::from_utf8_lossy(&control.stderr)
    );

    let dom = browse(&page, &profile, &["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    assert_eq!(
        console(&dom),
        Vec::<String>::new(),
        "console messages or CSP violations"
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(
        dom.contains("id=\"outcome\">FAIL</span>"),
        "the verdict is shown"
    );
    assert!(dom.contains("<b>6 of 6 checks failed</b>"));

    // Drifted columns first, in the report's order of drift.
    let drift = check(&report, "drift");
    let drifted: Vec<&str> = drift["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["drifted"] == "true")
        .map(|f| f["properties"]["column"].as_str().unwrap())
        .collect();
    assert_eq!(drifted.len(), 4);
    let table = &dom[dom.find("id=\"drift-columns\"").expect("the drift table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let flags: Vec<&str> = table
        .match_indices("data-drifted=\"")
        .map(|(i, m)| &table[i + m.len()..i + m.len() + 4])
        .collect();
    assert_eq!(flags.len(), 9, "one row per compared column");
    assert!(
        flags[..4].iter().all(|f| *f == "true") && flags[4..].iter().all(|f| *f != "true"),
        "{flags:?}"
    );
    for column in drifted {
        let at = table
            .find(&format!("<b>{column}</b>"))
            .unwrap_or_else(|| panic!("{column} is listed"));
        assert!(
            at < table.find("data-drifted=\"false\"").unwrap(),
            "{column} comes before the stable columns"
        );
    }

    // Every plot the JSON has data for is drawn.
    let drawable = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap())
        .filter(|f| {
            matches!(
                f["plot"]["kind"].as_str(),
                Some("histogram" | "categories" | "groups" | "comparison")
            )
        })
        .count();
    assert_eq!(
        drawable,
        9 + 9 + 3 + 10,
        "drift columns, fairness findings, metrics and performance comparisons"
    );
    assert_eq!(dom.matches("<svg").count(), drawable);
    assert_eq!(
        dom.matches("class=\"rows\"").count(),
        3,
        "determinism's first differing rows"
    );

    // What a person sees: a screenshot, kept for the README.
    let artifacts = root().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let output = browse(
        &page,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            "--hide-scrollbars",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(console(&output), Vec::<String>::new());
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    // A blank page compresses to a few kilobytes; this one has tables and plots.
    assert!(
        png.len() > 100_000,
        "screenshot of {} bytes looks blank",
        png.len()
    );
}
