//! A plugin whose params schema refers to itself without descending into
//! the value (`{"anyOf": [{"$ref": "#"}]}`): validating with it would
//! recurse forever, so the runner must refuse it, in `run` and `validate`.

use mltest_sdk::{Check, Finding, Result};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Params {}

impl schemars::JsonSchema for Params {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Params".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object", "anyOf": [{"$ref": "#"}]})
    }
}

struct SelfReferencing;

impl Check for SelfReferencing {
    type Params = Params;
    const NAME: &'static str = "hostile-schema";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "declares a self-referencing params schema (sandbox tests)";

    fn run(_: Params) -> Result<Vec<Finding>> {
        Ok(vec![Finding::fail(
            "ran",
            "a self-referencing schema was accepted",
        )])
    }
}

mltest_sdk::export_check!(SelfReferencing);
