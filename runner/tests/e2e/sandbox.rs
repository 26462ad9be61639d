//! Hostile plugins: each misbehaviour becomes that check's `<error>` (or is
//! denied), and the other checks' results stay intact.

use crate::support::{HOSTILE_PLUGIN, Scratch, check, finding};

fn hostile_suite(scratch: &Scratch, pin: Option<&str>) -> String {
    std::fs::copy(HOSTILE_PLUGIN, scratch.path("hostile.wasm")).unwrap();
    let pin = pin
        .map(|p| format!("sha256 = \"{p}\"\n"))
        .unwrap_or_default();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str(&format!(
        "\n[plugins.hostile]\npath = \"hostile.wasm\"\n{pin}"
    ));
    for (id, behavior, limits) in [
        ("loop", "loop", "timeout = \"1s\"\n"),
        ("alloc", "alloc", "memory = \"32MiB\"\n"),
        ("panic", "panic", ""),
        ("open-file", "open-file", ""),
        ("env", "env", ""),
        ("chatty", "chatty", ""),
        ("numeric-read", "numeric-read", ""),
    ] {
        suite.push_str(&format!("\n[[check]]\nid = \"{id}\"\nplugin = \"hostile\"\n{limits}[check.params]\nbehavior = \"{behavior}\"\n"));
        if behavior == "numeric-read" {
            suite.push_str("table = \"serving\"\ncolumn = \"employment_type\"\n");
        }
    }
    suite
}

#[test]
fn each_misbehaviour_is_contained_and_reported() {
    let scratch = Scratch::credit_risk();
    scratch.write("hostile.toml", hostile_suite(&scratch, None));
    let (run, report) = scratch.run_suite("hostile.toml", &[]);
    assert_eq!(run.code(), 3, "an error is never a pass: {}", run.all());

    let error = |id: &str| {
        let c = check(&report, id);
        assert_eq!(c["outcome"], "error", "{id}: {c:#}");
        (
            c["error"].as_str().unwrap().to_string(),
            finding(c, "check")["message"].as_str().unwrap().to_string(),
        )
    };
    let (kind, message) = error("loop");
    assert_eq!(kind, "timeout");
    assert!(
        message.contains("time limit exceeded") && message.contains("1s"),
        "{message}"
    );
    let (kind, message) = error("alloc");
    assert_eq!(kind, "memory");
    assert!(
        message.contains("memory limit exceeded") && message.contains("32.0 MiB"),
        "{message}"
    );
    let (kind, message) = error("panic");
    assert_eq!(kind, "trap");
    assert!(
        message.contains("hostile plugin panicked on purpose"),
        "{message}"
    );
    let (kind, message) = error("open-file");
    assert_eq!(kind, "plugin");
    assert!(message.contains("could not open /etc/passwd"), "{message}");

    // A kernel refusing the data names the file and the column.
    let (kind, message) = error("numeric-read");
    assert_eq!(kind, "plugin");
    assert!(
        message.contains("serving.csv")
            && message.contains("column `employment_type`")
            && message.contains("no numeric view"),
        "{message}"
    );

    // No environment reaches the sandbox, even though the runner has one.
    assert_eq!(finding(check(&report, "env"), "env")["outcome"], "pass");

    // Output is captured, not dropped.
    let chatty = check(&report, "chatty");
    assert_eq!(chatty["stdout"], "hello from stdout\n");
    assert_eq!(chatty["stderr"], "hello from stderr\n");
    assert_eq!(chatty["logs"][0], "info: hello from the log");

    // The well-behaved checks ran to their usual verdicts.
    assert_eq!(check(&report, "schema")["outcome"], "warn");
    assert_eq!(check(&report, "metrics")["outcome"], "pass");

    // Control characters and `]]>` from a plugin cannot break the XML.
    let junit = scratch.validate_junit("report.xml");
    assert_eq!(junit["errors"], 5);
    let xml = scratch.read("report.xml");
    assert!(xml.contains("hello from stderr") && xml.contains("hello from stdout"));
    assert!(!xml.contains('\u{1b}'));
}

#[test]
fn a_plugin_whose_digest_does_not_match_its_pin_is_refused() {
    let scratch = Scratch::credit_risk();
    scratch.write(
        "pinned.toml",
        hostile_suite(&scratch, Some(&"0".repeat(64))),
    );
    let run = scratch.mltest(&["run", "pinned.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    // The diagnostic wraps to the terminal width; look for its parts.
    assert!(
        run.stderr().contains("suite pins") && run.stderr().contains(&"0".repeat(64)),
        "{}",
        run.all()
    );
    assert!(
        run.stderr().contains("mltest::suite::plugin_load"),
        "{}",
        run.all()
    );
}
