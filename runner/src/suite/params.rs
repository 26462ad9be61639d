//! Check parameters against the plugins' declared JSON Schemas.
//!
//! Runs once the plugins are loaded (their `describe` gives the schema), but
//! still before any check runs, so a typo fails fast and points at the suite
//! file. Parameters that name artifacts carry `"format": "mltest-artifact"` in
//! the schema; those names must be declared in `[artifacts]`.

use std::collections::BTreeMap;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::diagnostic::{ErrorKind, SuiteError};
use super::parse::{params_key_span, params_span};
use super::{CheckSpec, Suite, SuiteErrors};

/// The schema keyword value that marks a parameter naming an artifact.
pub const ARTIFACT_FORMAT: &str = "mltest-artifact";

/// Validates every check's plugin name and parameters. `schemas` maps plugin
/// name → its params JSON Schema.
pub fn validate_params(
    suite: &Suite,
    schemas: &BTreeMap<String, Value>,
) -> Result<(), SuiteErrors> {
    let mut errors = Vec::new();
    for check in &suite.checks {
        let Some(schema) = schemas.get(&check.plugin) else {
            errors.push(
                SuiteError::new(
                    &suite.source,
                    ErrorKind::UnknownPlugin,
                    check.plugin_span.clone(),
                    format!("unknown plugin `{}`", check.plugin),
                )
                .label("no such plugin")
                .suggest(&check.plugin, schemas.keys().map(String::as_str))
                .help_if_none(|| {
                    format!(
                        "built-in and declared plugins: {}",
                        schemas.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                }),
            );
            continue;
        };
        check_one(suite, check, schema, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(suite.errors(errors))
    }
}

fn check_one(suite: &Suite, check: &CheckSpec, schema: &Value, errors: &mut Vec<SuiteError>) {
    let text = &suite.source.text;
    let value_span = |pointer: &str| {
        params_span(text, check.index, pointer).unwrap_or(check.plugin_span.clone())
    };
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            errors.push(SuiteError::new(
                &suite.source,
                ErrorKind::PluginLoad,
                check.plugin_span.clone(),
                format!(
                    "plugin `{}` declares an invalid params schema: {e}",
                    check.plugin
                ),
            ));
            return;
        }
    };
    let known = property_names(schema);
    for error in validator.iter_errors(&check.params) {
        let pointer = error.instance_path.to_string();
        match &error.kind {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let span = params_key_span(text, check.index, &pointer, key)
                        .unwrap_or_else(|| value_span(&pointer));
                    errors.push(
                        SuiteError::new(
                            &suite.source,
                            ErrorKind::InvalidParams,
                            span,
                            format!("unknown parameter `{key}` for plugin `{}`", check.plugin),
                        )
                        .label("not a parameter of this plugin")
                        .suggest(key, known.iter().map(String::as_str)),
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                errors.push(
                    SuiteError::new(
                        &suite.source,
                        ErrorKind::InvalidParams,
                        value_span(&pointer),
                        format!("missing parameter `{name}` for plugin `{}`", check.plugin),
                    )
                    .label(format!("`{name}` is required here"))
                    .help(format!(
                        "see `mltest plugins --schema {}` for its parameters",
                        check.plugin
                    )),
                );
            }
            _ => {
                let at = if pointer.is_empty() {
                    "params".to_string()
                } else {
                    format!("params{}", pointer.replace('/', "."))
                };
                errors.push(
                    SuiteError::new(
                        &suite.source,
                        ErrorKind::InvalidParams,
                        value_span(&pointer),
                        format!(
                            "invalid parameter `{at}`: {}",
                            lowercase_first(&error.to_string())
                        ),
                    )
                    .label("does not match the plugin's schema")
                    .help(format!(
                        "see `mltest plugins --schema {}` for its parameters",
                        check.plugin
                    )),
                );
            }
        }
    }
    let mut refs = Vec::new();
    artifact_refs(schema, schema, &check.params, String::new(), &mut refs);
    for (pointer, name) in refs {
        if suite.artifact(&name).is_none() {
            errors.push(
                SuiteError::new(
                    &suite.source,
                    ErrorKind::UnknownArtifact,
                    value_span(&pointer),
                    format!("unknown artifact `{name}`"),
                )
                .label("not declared in [artifacts]")
                .suggest(&name, suite.artifacts.iter().map(|a| a.name.as_str()))
                .help_if_none(|| {
                    "declare it under [artifacts], e.g. `name = \"data/file.parquet\"`".to_string()
                }),
            );
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Every property name declared anywhere in the schema, for suggestions.
fn property_names(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    out.extend(props.keys().cloned());
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(schema, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Walks `value` alongside `node` (a schema node of `root`) and collects the
/// strings whose schema carries the artifact marker, with their JSON pointers.
fn artifact_refs(
    root: &Value,
    node: &Value,
    value: &Value,
    pointer: String,
    out: &mut Vec<(String, String)>,
) {
    let Value::Object(node) = node else { return };
    if let Some(Value::String(reference)) = node.get("$ref")
        && let Some(target) = reference.strip_prefix('#').and_then(|p| root.pointer(p))
    {
        artifact_refs(root, target, value, pointer.clone(), out);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = node.get(key) {
            for branch in branches {
                artifact_refs(root, branch, value, pointer.clone(), out);
            }
        }
    }
    match value {
        Value::String(s)
            if node.get("format").and_then(Value::as_str) == Some(ARTIFACT_FORMAT)
                && !out.iter().any(|(p, _)| *p == pointer) =>
        {
            out.push((pointer, s.clone()));
        }
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            for (key, child) in map {
                let child_node = props
                    .and_then(|p| p.get(key))
                    .or_else(|| node.get("additionalProperties"));
                if let Some(child_node) = child_node {
                    artifact_refs(root, child_node, child, format!("{pointer}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_node) = node.get("items") {
                for (i, item) in items.iter().enumerate() {
                    artifact_refs(root, item_node, item, format!("{pointer}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_artifact_refs_through_refs_options_and_maps() {
        let schema = json!({
            "type": "object",
            "properties": {
                "actual": {"type": "string", "format": ARTIFACT_FORMAT},
                "baseline": {"anyOf": [{"$ref": "#/$defs/Art"}, {"type": "null"}]},
                "rules": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Rule"}},
                "other": {"type": "string"}
            },
            "$defs": {
                "Art": {"type": "string", "format": ARTIFACT_FORMAT},
                "Rule": {"type": "object", "properties": {"table": {"$ref": "#/$defs/Art"}}}
            }
        });
        let params = json!({"actual": "serving", "baseline": "champ", "other": "x", "rules": {"a": {"table": "t"}}});
        let mut refs = Vec::new();
        artifact_refs(&schema, &schema, &params, String::new(), &mut refs);
        refs.sort();
        assert_eq!(
            refs,
            vec![
                ("/actual".to_string(), "serving".to_string()),
                ("/baseline".to_string(), "champ".to_string()),
                ("/rules/a/table".to_string(), "t".to_string()),
            ]
        );
    }
}
