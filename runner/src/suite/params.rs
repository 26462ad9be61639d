//! Check parameters against the plugins' declared JSON Schemas.
//!
//! Runs once the plugins are loaded (their `describe` gives the schema), but
//! still before any check runs, so a typo fails fast and points at the suite
//! file. Parameters that name artifacts carry `"format": "mltest-artifact"` in
//! the schema; those names must be declared in `[artifacts]`.

use std::collections::{BTreeMap, HashSet};

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::diagnostic::{ErrorKind, SuiteError};
use super::spans::ParamSpans;
use super::{CheckSpec, Suite, SuiteErrors};

/// The schema keyword value that marks a parameter naming an artifact.
pub(crate) const ARTIFACT_FORMAT: &str = "mltest-artifact";
/// The marker of a parameter naming a command declared in `[commands]`.
pub(crate) const COMMAND_FORMAT: &str = "mltest-command";

/// What a check needs to know of its plugin before it runs.
pub(crate) struct Declared {
    /// The JSON Schema of its params.
    pub(crate) schema: Value,
    /// The capabilities it may be granted; `None` for a 0.1 plugin, which
    /// cannot declare them, so any grant stands.
    pub(crate) capabilities: Option<Vec<&'static str>>,
}

/// Validates every check's plugin name, parameters and grants. `plugins`
/// maps plugin name → what it declared.
pub(crate) fn validate_params(
    suite: &Suite,
    plugins: &BTreeMap<String, Declared>,
) -> Result<(), SuiteErrors> {
    let mut errors = Vec::new();
    let spans = ParamSpans::new(&suite.source.text);
    for check in &suite.checks {
        let Some(declared) = plugins.get(&check.plugin) else {
            errors.push(
                SuiteError::new(
                    &suite.source,
                    ErrorKind::UnknownPlugin,
                    check.plugin_span.clone(),
                    format!("unknown plugin `{}`", check.plugin),
                )
                .label("no such plugin")
                .suggest(&check.plugin, plugins.keys().map(String::as_str))
                .help_if_none(|| {
                    format!(
                        "built-in and declared plugins: {}",
                        plugins.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                }),
            );
            continue;
        };
        check_grants(suite, check, declared, &mut errors);
        check_one(suite, &spans, check, &declared.schema, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(suite.errors(errors))
    }
}

/// Least privilege: a check may grant only what its plugin declared.
fn check_grants(
    suite: &Suite,
    check: &CheckSpec,
    declared: &Declared,
    errors: &mut Vec<SuiteError>,
) {
    let Some(capabilities) = &declared.capabilities else {
        return;
    };
    for (grant, span) in &check.grant_spans {
        if capabilities.contains(&grant.as_str()) {
            continue;
        }
        let asks = match capabilities.is_empty() {
            true => "it declares none".to_string(),
            false => format!("it declares {}", capabilities.join(", ")),
        };
        errors.push(
            SuiteError::new(
                &suite.source,
                ErrorKind::UndeclaredGrant,
                span.clone(),
                format!("plugin `{}` does not ask for `{grant}`", check.plugin),
            )
            .label("not a capability this plugin declares")
            .help(format!("{asks}; remove the grant")),
        );
    }
}

fn check_one(
    suite: &Suite,
    spans: &ParamSpans,
    check: &CheckSpec,
    schema: &Value,
    errors: &mut Vec<SuiteError>,
) {
    let value_span = |pointer: &str| {
        spans
            .value(check.index, pointer)
            .unwrap_or(check.plugin_span.clone())
    };
    if let Err(why) = well_founded(schema) {
        errors.push(SuiteError::new(
            &suite.source,
            ErrorKind::PluginLoad,
            check.plugin_span.clone(),
            format!(
                "plugin `{}` declares a params schema that cannot be used: {why}",
                check.plugin
            ),
        ));
        return;
    }
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
                    let span = spans
                        .key(check.index, &pointer, key)
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
    for (pointer, named, name) in references(schema, &check.params) {
        if named == Named::Command {
            if suite.command(&name).is_none() {
                errors.push(
                    SuiteError::new(
                        &suite.source,
                        ErrorKind::UnknownCommand,
                        value_span(&pointer),
                        format!("unknown command `{name}`"),
                    )
                    .label("not declared in [commands]")
                    .suggest(&name, suite.commands.iter().map(|c| c.name.as_str()))
                    .help_if_none(|| {
                        "declare it as `[commands.NAME]` with `run` and `outputs`".to_string()
                    }),
                );
            }
            continue;
        }
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

/// What a marked parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Named {
    Artifact,
    Command,
}

impl Named {
    fn of(node: &serde_json::Map<String, Value>) -> Option<Named> {
        match node.get("format").and_then(Value::as_str)? {
            ARTIFACT_FORMAT => Some(Named::Artifact),
            COMMAND_FORMAT => Some(Named::Command),
            _ => None,
        }
    }
}

/// A named reference found in a check's params: (JSON pointer, kind, name).
type Reference = (String, Named, String);

/// Walks `value` alongside `node` (a schema node of `root`) and collects the
/// strings whose schema carries an artifact or command marker, with their
/// JSON pointers.
///
/// A schema node is visited at most once per value position, so a
/// self-referencing schema (`{"$ref": "#"}`, or `anyOf` branches that refer
/// back) costs one visit per node instead of recursing forever.
fn references(root: &Value, value: &Value) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(root, root, value, String::new(), &mut seen, &mut out);
    out
}

fn walk(
    root: &Value,
    node: &Value,
    value: &Value,
    pointer: String,
    seen: &mut HashSet<(*const Value, String)>,
    out: &mut Vec<Reference>,
) {
    let Value::Object(map) = node else { return };
    if !seen.insert((node as *const Value, pointer.clone())) {
        return;
    }
    if let Some(Value::String(reference)) = map.get("$ref")
        && let Some(target) = reference.strip_prefix('#').and_then(|p| root.pointer(p))
    {
        walk(root, target, value, pointer.clone(), seen, out);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = map.get(key) {
            for branch in branches {
                walk(root, branch, value, pointer.clone(), seen, out);
            }
        }
    }
    match value {
        Value::String(s) => {
            if let Some(named) = Named::of(map)
                && !out.iter().any(|(p, n, _)| *p == pointer && *n == named)
            {
                out.push((pointer, named, s.clone()));
            }
        }
        Value::Object(fields) => {
            let props = map.get("properties").and_then(Value::as_object);
            for (key, child) in fields {
                let child_node = props
                    .and_then(|p| p.get(key))
                    .or_else(|| map.get("additionalProperties"));
                if let Some(child_node) = child_node {
                    let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                    walk(root, child_node, child, at, seen, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_node) = map.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk(root, item_node, item, format!("{pointer}/{i}"), seen, out);
                }
            }
        }
        _ => {}
    }
}

/// Keywords that apply a subschema to the same value: a cycle made only of
/// these (through `$ref`) never reaches a smaller value, so validating with
/// it recurses forever. Such a schema is refused before it is compiled.
const IN_PLACE: &[&str] = &["anyOf", "oneOf", "allOf", "not", "if", "then", "else"];

/// Refuses a schema that refers back to itself without descending into the
/// value (`{"$ref": "#"}`, `{"anyOf": [{"$ref": "#"}]}`), and one nested
/// deeper than [`MAX_SCHEMA_DEPTH`]. Schemas that recurse through
/// `properties` or `items` (a tree of rules) are fine: each step consumes
/// part of the value.
pub(crate) fn well_founded(schema: &Value) -> Result<(), String> {
    fn depth(v: &Value, d: usize) -> bool {
        if d > MAX_SCHEMA_DEPTH {
            return false;
        }
        match v {
            Value::Object(m) => m.values().all(|v| depth(v, d + 1)),
            Value::Array(a) => a.iter().all(|v| depth(v, d + 1)),
            _ => true,
        }
    }
    if !depth(schema, 0) {
        return Err(format!(
            "it is nested deeper than {MAX_SCHEMA_DEPTH} levels"
        ));
    }
    // Depth-first over in-place edges only; a node met again on the current
    // path is a cycle.
    fn visit<'a>(
        root: &'a Value,
        node: &'a Value,
        path: &mut Vec<*const Value>,
        done: &mut HashSet<*const Value>,
    ) -> Result<(), String> {
        let id = node as *const Value;
        if path.contains(&id) {
            return Err("it refers back to itself without descending into the value (a `$ref` cycle through anyOf/allOf/oneOf/not/if)".into());
        }
        if done.contains(&id) {
            return Ok(());
        }
        let Value::Object(map) = node else {
            return Ok(());
        };
        path.push(id);
        if let Some(Value::String(reference)) = map.get("$ref")
            && let Some(target) = reference.strip_prefix('#').and_then(|p| root.pointer(p))
        {
            visit(root, target, path, done)?;
        }
        for key in IN_PLACE {
            match map.get(*key) {
                Some(Value::Array(branches)) => {
                    for branch in branches {
                        visit(root, branch, path, done)?;
                    }
                }
                Some(branch @ Value::Object(_)) => visit(root, branch, path, done)?,
                _ => {}
            }
        }
        path.pop();
        done.insert(id);
        Ok(())
    }
    // Every subschema is a possible entry point (a property's schema is
    // entered when the value descends into it).
    fn all<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(m) => {
                out.push(v);
                m.values().for_each(|c| all(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| all(c, out)),
            _ => {}
        }
    }
    let mut nodes = Vec::new();
    all(schema, &mut nodes);
    let mut done = HashSet::new();
    for node in nodes {
        visit(schema, node, &mut Vec::new(), &mut done)?;
    }
    Ok(())
}

/// Deeper than any schema a plugin needs; keeps every walk's recursion
/// far from the stack's end.
const MAX_SCHEMA_DEPTH: usize = 64;

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
        let mut refs = references(&schema, &params);
        refs.sort();
        let art = |p: &str, n: &str| (p.to_string(), Named::Artifact, n.to_string());
        assert_eq!(
            refs,
            vec![
                art("/actual", "serving"),
                art("/baseline", "champ"),
                art("/rules/a/table", "t"),
            ]
        );
    }

    #[test]
    fn self_referencing_schemas_end_the_walk_and_are_refused() {
        for schema in [
            json!({"$ref": "#"}),
            json!({"anyOf": [{"$ref": "#"}]}),
            json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}], "allOf": [{"$ref": "#/anyOf/0"}]}),
            json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"not": {"$ref": "#/$defs/a"}}}, "properties": {"x": {"$ref": "#/$defs/a"}}}),
        ] {
            assert!(references(&schema, &json!({"x": "y"})).is_empty());
            let why = well_founded(&schema).unwrap_err();
            assert!(why.contains("refers back to itself"), "{why}");
        }
    }

    #[test]
    fn schemas_recursing_through_the_value_are_accepted() {
        let tree = json!({
            "$defs": {"Rule": {"type": "object", "properties": {
                "name": {"type": "string", "format": ARTIFACT_FORMAT},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Rule"}}}}},
            "$ref": "#/$defs/Rule"
        });
        well_founded(&tree).unwrap();
        let value = json!({"name": "a", "children": [{"name": "b", "children": []}]});
        let refs = references(&tree, &value);
        assert_eq!(refs.len(), 2, "{refs:?}");
        let mut deep = json!({});
        for _ in 0..100 {
            deep = json!({"anyOf": [deep]});
        }
        assert!(well_founded(&deep).unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn command_names_are_collected() {
        let schema = json!({"properties": {"rerun": {"type": "string", "format": COMMAND_FORMAT}}});
        assert_eq!(
            references(&schema, &json!({"rerun": "score"})),
            vec![("/rerun".to_string(), Named::Command, "score".to_string())]
        );
    }
}
