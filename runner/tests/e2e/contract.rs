//! The plugin contract's versions and capabilities: a component built
//! against the frozen `mltest:plugin@0.1.0` runs unchanged through the
//! host's adapter and computes what a 0.2 plugin computes, and a suite may
//! grant a plugin only the capabilities its `describe` declares.

use crate::support::{LEGACY_PLUGIN, Scratch, check, finding};

/// The demo suite, the 0.1 plugin on `income`, and the built-in drift
/// check asked for the same statistic (psi, Sturges bins, Evidently's
/// smoothing) through 0.2.
fn legacy_suite(scratch: &Scratch, grants: &str) -> String {
    std::fs::copy(LEGACY_PLUGIN, scratch.path("legacy.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str(&format!(
        r#"
[plugins.legacy]
path = "legacy.wasm"

[[check]]
id = "legacy"
plugin = "legacy"
{grants}
[check.params]
reference = "training"
current = "current"
column = "income"

[[check]]
id = "psi-now"
plugin = "drift"
[check.params]
reference = "training"
current = "current"
columns = ["income"]
method = "psi"
binning = {{ edges = "both", bins = "sturges", smoothing = "evidently" }}
"#
    ));
    suite
}

#[test]
fn a_0_1_plugin_runs_unchanged_through_the_adapter() {
    let scratch = Scratch::credit_risk();
    scratch.write("legacy.toml", legacy_suite(&scratch, ""));
    let (run, report) =
        scratch.run_suite("legacy.toml", &["--only", "legacy", "--only", "psi-now"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let legacy = check(&report, "legacy");
    assert_eq!(legacy["outcome"], "pass", "{legacy:#}");
    assert_eq!(legacy["plugin_contract"], "0.1.0");
    assert_eq!(check(&report, "psi-now")["plugin_contract"], "0.2.1");
    assert_eq!(legacy["logs"][0], "info: running on the 0.1 contract");

    let observed = |f: &serde_json::Value| f["observed"].as_f64().unwrap();
    let rows = observed(finding(legacy, "legacy.rows"));
    assert!(rows > 1000.0, "{rows}");
    // 0.1's sentinel survives: a capped count reads `limit + 1`.
    let distinct = finding(legacy, "legacy.distinct");
    assert_eq!(observed(distinct), 4.0, "{distinct:#}");
    let exact: f64 = distinct["properties"]["exact"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(exact > 4.0, "{exact}");
    // `bins: 0` still means Sturges: the same statistic the 0.2 drift plugin gets.
    let psi = observed(finding(legacy, "legacy.psi"));
    let now = observed(finding(check(&report, "psi-now"), "drift[income]"));
    assert!(psi > 0.0 && psi == now, "0.1 psi {psi}, 0.2 psi {now}");
    // Errors arrive as the text 0.1 promised, not as a typed variant.
    let missing = finding(legacy, "legacy.missing")["message"]
        .as_str()
        .unwrap();
    assert!(
        missing.contains("no column `no-such-column`") && missing.contains("current.parquet"),
        "{missing}"
    );
    // An empty key still aligns by position.
    assert_eq!(observed(finding(legacy, "legacy.compare")), rows);
    scratch.validate_junit("report.xml");
    let junit = scratch.read("report.xml");
    assert!(junit.contains("contract 0.1.0"), "{junit}");
}

#[test]
fn a_check_may_grant_only_what_its_plugin_declares() {
    let scratch = Scratch::credit_risk();
    // drift declares nothing: a grant for it is refused at its span.
    let suite = scratch
        .read("mltest.toml")
        .replace("id = \"drift\"", "id = \"drift\"\ngrants = [\"random\"]");
    scratch.write("granted.toml", suite);
    let out = scratch.mltest(&["validate", "granted.toml"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let text = out.all();
    assert!(text.contains("mltest::suite::undeclared_grant"), "{text}");
    assert!(
        text.contains("plugin `drift` does not ask for `random`"),
        "{text}"
    );
    assert!(text.contains("it declares none"), "{text}");
    assert!(text.contains("granted.toml:"), "{text}");

    // A 0.1 plugin cannot declare, so its grants stand as they did.
    let scratch = Scratch::credit_risk();
    scratch.write(
        "legacy.toml",
        legacy_suite(&scratch, "grants = [\"clock\"]"),
    );
    let (run, report) = scratch.run_suite("legacy.toml", &["--only", "legacy"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(check(&report, "legacy")["grants"][0], "clock");
}

#[test]
fn plugins_list_their_contract_and_capabilities() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(crate::support::HOSTILE_PLUGIN, scratch.path("hostile.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str("\n[plugins.hostile]\npath = \"hostile.wasm\"\n");
    scratch.write("plugins.toml", suite);
    let out = scratch.mltest(&["plugins", "--suite", "plugins.toml"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let text = out.all();
    assert!(
        text.contains("contract mltest:plugin@0.2.1 (may use: clock, random)"),
        "{text}"
    );
}

/// 0.2's errors are typed: a plugin tells an absent column from a corrupt
/// file by the case, and a data error carries the file.
#[test]
fn host_errors_arrive_typed() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(crate::support::HOSTILE_PLUGIN, scratch.path("hostile.wasm")).unwrap();
    scratch.write(
        "data/broken.parquet",
        b"PAR1 this is not a parquet file PAR1",
    );
    let suite = scratch.read("mltest.toml").replacen(
        "[artifacts]\n",
        "[artifacts]\nbroken = \"data/broken.parquet\"\n",
        1,
    ) + r#"
[plugins.hostile]
path = "hostile.wasm"

[[check]]
id = "errors"
plugin = "hostile"
[check.params]
behavior = "error-kinds"
table = "training"
column = "home_ownership"
broken = "broken"
"#;
    scratch.write("errors.toml", suite);
    let (run, report) = scratch.run_suite("errors.toml", &["--only", "errors"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let errors = check(&report, "errors");
    let kind = |i: usize| {
        let f = finding(errors, &format!("kind[{i}]"));
        let prop = |k: &str| f["properties"][k].as_str().unwrap_or_default().to_string();
        (
            prop("case"),
            prop("file"),
            f["message"].as_str().unwrap().to_string(),
        )
    };
    let (case, _, message) = kind(0);
    assert_eq!(case, "not-found", "{message}");
    assert!(message.contains("no column `no-such-column`"), "{message}");
    let (case, file, message) = kind(1);
    assert_eq!(case, "data", "{message}");
    assert!(file.ends_with("data/broken.parquet"), "{file}");
    assert_eq!(kind(2).0, "invalid-argument", "{}", kind(2).2);
    assert_eq!(kind(3).0, "invalid-argument", "{}", kind(3).2);
    let (case, _, message) = kind(4);
    assert_eq!(case, "unsupported", "{message}");
    assert!(message.contains("home_ownership"), "{message}");
}
