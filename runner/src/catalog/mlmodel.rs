//! MLflow `MLmodel` files: the model signature's column specs.
//!
//! `signature.inputs` and `signature.outputs` are JSON strings embedded in
//! the YAML, each a list of `{"name", "type", "required"}` column specs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::DataError;
use crate::suite::Format;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnSpec {
    pub(crate) name: Option<String>,
    pub(crate) mlflow_type: String,
    pub(crate) required: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ModelSignature {
    pub(crate) inputs: Vec<ColumnSpec>,
    pub(crate) outputs: Vec<ColumnSpec>,
}

#[derive(Deserialize)]
struct MlModel {
    signature: Option<RawSignature>,
}

#[derive(Deserialize)]
struct RawSignature {
    inputs: Option<String>,
    outputs: Option<String>,
}

#[derive(Deserialize)]
struct RawSpec {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default = "yes")]
    required: bool,
}

fn yes() -> bool {
    true
}

/// A model folder's `MLmodel` file, or the path itself.
pub(crate) fn resolve(path: &Path, format: Format) -> PathBuf {
    if format == Format::Mlmodel && path.is_dir() {
        path.join("MLmodel")
    } else {
        path.to_path_buf()
    }
}

pub(crate) fn read_signature(path: &Path, limit: u64) -> Result<ModelSignature, DataError> {
    let path = resolve(path, Format::Mlmodel);
    let text = crate::files::read_text(&path, limit, "[limits] max_document_size")
        .map_err(|e| DataError::file(&path, e))?;
    parse(&text).map_err(|message| DataError::Corrupt { path, message })
}

fn parse(text: &str) -> Result<ModelSignature, String> {
    let model: MlModel =
        serde_yaml_ng::from_str(text).map_err(|e| format!("invalid MLmodel YAML: {e}"))?;
    let signature = model.signature.ok_or(
        "MLmodel has no `signature`: log the model with one (mlflow.models.infer_signature)",
    )?;
    Ok(ModelSignature {
        inputs: specs(signature.inputs.as_deref(), "inputs")?,
        outputs: specs(signature.outputs.as_deref(), "outputs")?,
    })
}

fn specs(json: Option<&str>, which: &str) -> Result<Vec<ColumnSpec>, String> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let raw: Vec<RawSpec> = serde_json::from_str(json)
        .map_err(|e| format!("signature {which} are not a list of column specs: {e}"))?;
    Ok(raw
        .into_iter()
        .map(|spec| ColumnSpec {
            name: spec.name,
            mlflow_type: spec.kind,
            required: spec.required,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_mlflow_signature() {
        let text = r#"
artifact_path: model
flavors: {}
signature:
  inputs: '[{"type": "long", "name": "age", "required": true}, {"type": "string", "name":
    "job", "required": false}]'
  outputs: '[{"type": "double", "required": true}]'
  params: null
"#;
        let sig = parse(text).unwrap();
        assert_eq!(sig.inputs.len(), 2);
        assert_eq!(
            sig.inputs[1],
            ColumnSpec {
                name: Some("job".into()),
                mlflow_type: "string".into(),
                required: false
            }
        );
        assert_eq!(sig.outputs[0].name, None);
    }

    #[test]
    fn rejects_missing_signature_and_keeps_tensor_specs() {
        assert!(
            parse("flavors: {}\n")
                .unwrap_err()
                .contains("no `signature`")
        );
        let tensor = "signature:\n  outputs: '[{\"type\": \"tensor\", \"tensor-spec\": {}}]'\n";
        assert_eq!(parse(tensor).unwrap().outputs[0].mlflow_type, "tensor");
        assert!(parse("signature:\n  inputs: 'nope'\n").is_err());
    }
}
