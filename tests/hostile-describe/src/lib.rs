//! A plugin whose `describe()` sleeps for an hour (its schema is built
//! then): loading it must fail at once, not hang `validate`.

use mltest_sdk::{Check, Finding, Result};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Params {}

impl schemars::JsonSchema for Params {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Params".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        schemars::json_schema!({"type": "object"})
    }
}

struct Sleeper;

impl Check for Sleeper {
    type Params = Params;
    const NAME: &'static str = "hostile-describe";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "sleeps in describe (sandbox tests)";

    fn run(_: Params) -> Result<Vec<Finding>> {
        Ok(vec![Finding::fail(
            "ran",
            "a sleeping describe was accepted",
        )])
    }
}

mltest_sdk::export_check!(Sleeper);
