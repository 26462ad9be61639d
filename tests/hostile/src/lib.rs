//! A plugin that misbehaves on purpose, one way per `behavior`, so the
//! end-to-end tests can prove the sandbox contains each.

use mltest_sdk::{Check, Finding, Result, bail};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    behavior: Behavior,
    /// For `numeric-read`: the table and column to read as numbers.
    #[serde(default)]
    table: Option<mltest_sdk::ArtifactName>,
    #[serde(default)]
    column: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Behavior {
    /// Spins forever: the epoch deadline must stop it.
    Loop,
    /// Allocates without bound: the memory limit must stop it.
    Alloc,
    /// Panics with a known message.
    Panic,
    /// Tries to read a host file: the sandbox must deny it.
    OpenFile,
    /// Tries to read an environment variable: the sandbox must hide it.
    Env,
    /// Writes to stdout and stderr, then passes: both must be captured.
    Chatty,
    /// Reads a column as numbers: on a text column the host's error must
    /// name the file and the column.
    NumericRead,
}

struct Hostile;

impl Check for Hostile {
    type Params = Params;
    const NAME: &'static str = "hostile";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "misbehaves on purpose (sandbox tests)";

    fn run(params: Params) -> Result<Vec<Finding>> {
        match params.behavior {
            Behavior::Loop => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            Behavior::Alloc => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(std::hint::black_box(vec![7u8; 1 << 20]));
                }
            }
            Behavior::Panic => panic!("hostile plugin panicked on purpose"),
            Behavior::OpenFile => match std::fs::read_to_string("/etc/passwd") {
                Ok(text) => Ok(vec![Finding::fail(
                    "escape",
                    format!("read {} bytes of /etc/passwd", text.len()),
                )]),
                Err(e) => bail!("could not open /etc/passwd: {e}"),
            },
            Behavior::Env => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                Ok(vec![Finding::check(
                    "env",
                    vars.is_empty(),
                    format!("saw {} environment variables: {vars:?}", vars.len()),
                )])
            }
            Behavior::NumericRead => {
                let (Some(table), Some(column)) = (params.table, params.column) else {
                    bail!("numeric-read needs `table` and `column`");
                };
                let column = mltest_sdk::artifacts::table(&table)?.column(&column)?;
                let values = column.read_f64(0, 10)?;
                Ok(vec![Finding::pass(
                    "read",
                    format!("read {} values", values.len()),
                )])
            }
            Behavior::Chatty => {
                println!("hello from stdout");
                eprintln!("hello from stderr");
                mltest_sdk::log::info("hello from the log");
                // Text no XML file may hold raw: the JUnit writer must cope.
                Ok(vec![Finding::fail(
                    "chatty",
                    "said \u{1b}[31mhello\u{1b}[0m ]]> and \u{0}\u{7}",
                )])
            }
        }
    }
}

mltest_sdk::export_check!(Hostile);
