//! Python plugins end to end: the label-leakage example built with
//! `mltest plugin build` (componentize-py and the Python SDK), its params
//! schema enforced by `mltest validate`, its findings in JUnit and checked
//! against scikit-learn, the sandbox's time and memory limits holding a
//! Python guest, and `mltest plugin new` projects in both languages that
//! build and pass their own tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{BINARY, Scratch, check, finding, root};

/// Builds a Python plugin project once per test process, into `target/`.
fn built(project: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<std::collections::BTreeMap<String, PathBuf>>> =
        OnceLock::new();
    let mut cache = BUILT.get_or_init(Default::default).lock().unwrap();
    if let Some(path) = cache.get(project) {
        return path.clone();
    }
    let out = root()
        .join("target/python-plugins")
        .join(format!("{}.wasm", project.replace('/', "-")));
    let build = Command::new(BINARY)
        .args(["plugin", "build"])
        .arg(root().join(project))
        .arg("--out")
        .arg(&out)
        .env("MLTEST_COMPONENTIZE_PY", mltest_testkit::componentize_py())
        .output()
        .expect("mltest runs");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&build.stdout).trim(),
        out.display().to_string()
    );
    cache.insert(project.to_string(), out.clone());
    out
}

fn leakage_suite(scratch: &Scratch, params: &str) {
    std::fs::copy(built("plugins/label-leakage"), scratch.path("leakage.wasm")).unwrap();
    std::fs::copy(
        root().join("plugins/label-leakage/tests/leaky.csv"),
        scratch.path("leaky.csv"),
    )
    .unwrap();
    scratch.write(
        "leakage.toml",
        format!(
            r#"[suite]
name = "leakage"

[artifacts]
holdout = "leaky.csv"

[plugins.label-leakage]
path = "leakage.wasm"

[[check]]
id = "leakage"
plugin = "label-leakage"
[check.params]
table = "holdout"
label = "default"
{params}
"#
        ),
    );
}

#[test]
fn the_label_leakage_plugin_finds_leaks_as_scikit_learn_measures_them() {
    let scratch = Scratch::credit_risk();
    leakage_suite(&scratch, "");
    let (run, report) = scratch.run_suite("leakage.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let leakage = check(&report, "leakage");
    assert_eq!(leakage["plugin_contract"], "0.2.1");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("plugins/label-leakage/tests/expected.json")).unwrap(),
    )
    .unwrap();
    for (column, outcome) in [
        ("leak", "fail"),
        ("income", "pass"),
        ("status", "fail"),
        ("region", "pass"),
    ] {
        let f = finding(leakage, &format!("leakage[{column}]"));
        assert_eq!(f["outcome"], outcome, "{column}: {f:#}");
        let observed = f["observed"].as_f64().unwrap();
        let reference = expected[column].as_f64().unwrap();
        assert!(
            (observed - reference).abs() < 1e-9,
            "{column}: plugin {observed}, scikit-learn {reference}"
        );
    }
    assert!(
        leakage["logs"][0]
            .as_str()
            .unwrap()
            .contains("checked 4 features of 2000 rows")
    );
    // The failures reach JUnit, and point at the suite line of the limit.
    let junit = scratch.read("report.xml");
    assert!(junit.contains("leakage[leak]"), "{junit}");
    assert!(junit.contains("<failure"), "{junit}");
    assert_eq!(scratch.validate_junit("report.xml")["failures"], 2);
}

#[test]
fn validate_enforces_the_schema_a_python_dataclass_declares() {
    let scratch = Scratch::credit_risk();
    leakage_suite(&scratch, "max_auc = \"high\"\nexclud = [\"id\"]");
    let out = scratch.mltest(&["validate", "leakage.toml"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let text = out.all();
    assert!(text.contains("mltest::suite::invalid_params"), "{text}");
    assert!(
        text.contains("\"high\" is not of type \"number\""),
        "{text}"
    );
    assert!(text.contains("unknown parameter `exclud`"), "{text}");
    assert!(
        text.contains("exclude"),
        "the typo gets a suggestion: {text}"
    );
    assert!(text.contains("leakage.toml:16:11"), "{text}");
    assert!(text.contains("did you mean `exclude`?"), "{text}");

    let out = scratch.mltest(&[
        "plugins",
        "--suite",
        "leakage.toml",
        "--schema",
        "label-leakage",
    ]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let schema: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
    assert_eq!(schema["properties"]["table"]["format"], "mltest-artifact");
    assert_eq!(schema["properties"]["max_auc"]["default"], 0.95);
    assert_eq!(schema["required"], serde_json::json!(["table", "label"]));
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn a_python_plugin_is_held_to_its_time_and_memory_limits() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(built("tests/python-hostile"), scratch.path("hostile.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str("\n[plugins.python-hostile]\npath = \"hostile.wasm\"\n");
    for (id, limits) in [
        ("loop", "timeout = \"2s\""),
        ("alloc", "memory = \"64MiB\""),
        ("raise", ""),
        ("pass", ""),
    ] {
        suite.push_str(&format!(
            "\n[[check]]\nid = \"{id}\"\nplugin = \"python-hostile\"\n{limits}\n[check.params]\nbehavior = \"{id}\"\n"
        ));
    }
    scratch.write("hostile.toml", suite);
    let started = std::time::Instant::now();
    let (run, report) = scratch.run_suite("hostile.toml", &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
    assert_eq!(run.code(), 3, "{}", run.all());
    let error = |id: &str| {
        let c = check(&report, id);
        (
            c["error"].as_str().unwrap_or_default().to_string(),
            finding(c, "check")["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    assert_eq!(error("loop").0, "timeout", "{:?}", error("loop"));
    assert_eq!(error("alloc").0, "memory", "{:?}", error("alloc"));
    assert!(
        error("alloc").1.contains("64.0 MiB"),
        "{:?}",
        error("alloc")
    );
    assert_eq!(
        error("raise"),
        ("plugin".into(), "KeyError: 'no such thing'".into())
    );
    assert_eq!(check(&report, "pass")["outcome"], "pass");
    // The demo's own checks keep their verdicts beside them.
    assert_eq!(check(&report, "drift")["outcome"], "pass");
    assert_eq!(check(&report, "fairness")["outcome"], "pass");
}

/// `mltest` on PATH for a generated project's own test.
fn path_with_mltest() -> String {
    let bin = Path::new(BINARY).parent().unwrap().display().to_string();
    format!("{bin}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
fn plugin_new_writes_projects_that_build_and_pass_their_own_tests() {
    let scratch = Scratch::credit_risk();
    let new = scratch.mltest(&["plugin", "new", "nulls", "--lang", "rust"]);
    assert_eq!(new.code(), 0, "{}", new.all());
    // The generated project's own test builds it and runs `mltest plugin test`.
    let test = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("test")
        .current_dir(scratch.path("nulls"))
        .env("PATH", path_with_mltest())
        .env("CARGO_TARGET_DIR", root().join("target/plugin-templates"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let out =
        String::from_utf8_lossy(&test.stdout).into_owned() + &String::from_utf8_lossy(&test.stderr);
    assert!(test.status.success(), "{out}");
    assert!(out.contains("test result: ok. 2 passed"), "{out}");

    let new = scratch.mltest(&["plugin", "new", "nulls-py", "--lang", "python"]);
    assert_eq!(new.code(), 0, "{}", new.all());
    let test = Command::new(mltest_testkit::python())
        .args(["-m", "unittest", "-v"])
        .current_dir(scratch.path("nulls-py"))
        .env("PATH", path_with_mltest())
        .env("MLTEST_COMPONENTIZE_PY", mltest_testkit::componentize_py())
        .env("MLTEST_CACHE_DIR", scratch.path(".cache"))
        .output()
        .expect("python runs");
    let out =
        String::from_utf8_lossy(&test.stdout).into_owned() + &String::from_utf8_lossy(&test.stderr);
    assert!(test.status.success(), "{out}");
    assert!(out.contains("Ran 2 tests") && out.contains("OK"), "{out}");

    // A second project of the same name is refused, not overwritten.
    let again = scratch.mltest(&["plugin", "new", "nulls", "--lang", "python"]);
    assert_eq!(again.code(), 2, "{}", again.all());
    assert!(again.all().contains("already exists"), "{}", again.all());
}

#[test]
fn the_demo_leakage_suite_runs_the_python_plugin() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(
        built("plugins/label-leakage"),
        scratch.path("label-leakage.wasm"),
    )
    .unwrap();
    let (run, report) = scratch.run_suite("leakage.toml", &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let training = check(&report, "leakage-training");
    assert_eq!(
        training["findings"].as_array().unwrap().len(),
        9,
        "{training:#}"
    );
    let holdout = check(&report, "leakage-holdout");
    let names: Vec<&str> = holdout["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["leakage[region]", "leakage[age_band]"]);
}
