//! Registry sources and triggers in a suite: artifacts that live in a model
//! registry (`{ mlflow = "model" }`), and what a failed verdict sets off.
//!
//! Both are checked here, statically, so `mltest validate` catches a typo
//! without a registry; the registry stage fetches the files later.

use std::path::{Component, Path};

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::parse::{Parser, Value, get};
use super::{ErrorKind, Format, RegistryKind, RegistrySource, Side, TriggerSpec};

const REGISTRY_KEYS: &[&str] = &["mlflow", "of", "path", "format", "delimiter", "sha256"];
const TRIGGER_KEYS: &[&str] = &["on", "url", "secret_env", "timeout"];

/// Whether a relative path stays inside the folder it is joined to: no root,
/// no prefix, no `..`, nothing empty. Registry listings and suites are both
/// untrusted, so every downloaded path goes through this.
pub(crate) fn confined(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

impl Parser<'_> {
    /// `name = { mlflow = "...", of = "...", path = "..." }`. Returns the
    /// source and its format.
    pub(super) fn registry_source(
        &mut self,
        name: &str,
        table: &DeTable<'_>,
        kind_value: &Value<'_>,
    ) -> Option<(RegistrySource, Format)> {
        self.known_keys(table, REGISTRY_KEYS, &format!("artifact `{name}`"));
        let kind_name = self.string(kind_value, "`mlflow`")?;
        let Some(kind) = RegistryKind::from_name(&kind_name) else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    kind_value.span(),
                    format!("unknown registry source `{kind_name}`"),
                )
                .suggest(&kind_name, RegistryKind::NAMES.iter().copied())
                .help_if_none(|| format!("`mlflow` is one of: {}", RegistryKind::NAMES.join(", "))),
            );
            return None;
        };
        let side = match get(table, "of") {
            None => Side::Candidate,
            Some(v) => {
                let s = self.string(v, "`of`")?;
                match s.as_str() {
                    "candidate" => Side::Candidate,
                    "champion" => Side::Champion,
                    _ => {
                        self.report(
                            self.new_error(
                                ErrorKind::InvalidValue,
                                v.span(),
                                format!("`of` must be \"candidate\" or \"champion\", not `{s}`"),
                            )
                            .help("the champion is the version the protected alias points at"),
                        );
                        return None;
                    }
                }
            }
        };
        let path = match (kind, get(table, "path")) {
            (RegistryKind::RunArtifact, None) => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        kind_value.span(),
                        format!("artifact `{name}`: a run artifact needs a `path`"),
                    )
                    .help("name the file inside the run's artifacts, e.g. path = \"eval/holdout.parquet\""),
                );
                return None;
            }
            (RegistryKind::RunArtifact, Some(v)) => {
                let raw = self.string(v, "artifact path")?;
                if !confined(&raw) {
                    self.report(
                        self.new_error(
                            ErrorKind::OutsideRoot,
                            v.span(),
                            format!("artifact `{name}`: `{raw}` is not a relative path inside the run's artifacts"),
                        )
                        .label("absolute, empty, or with `..`")
                        .help("registry paths are relative, with `/` between folders and no `..`"),
                    );
                    return None;
                }
                Some((raw, v.span()))
            }
            (_, Some(v)) => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        v.span(),
                        format!("artifact `{name}`: `path` is only for run artifacts"),
                    )
                    .help(format!("`mlflow = \"{kind_name}\"` names its files itself")),
                );
                return None;
            }
            (_, None) => None,
        };
        let format = match kind {
            RegistryKind::Model => Format::Mlmodel,
            RegistryKind::Metrics => Format::Json,
            RegistryKind::RunArtifact => {
                let (raw, span) = path.as_ref()?;
                let spanned = Spanned::new(span.clone(), DeValue::String(raw.clone().into()));
                self.format(get(table, "format"), &spanned, Path::new(raw), raw)?
            }
        };
        let sha256 = self.pin(table)?;
        Some((
            RegistrySource {
                kind,
                side,
                path: path.map(|(p, _)| p),
                sha256,
            },
            format,
        ))
    }

    /// `[[trigger]]`: a signed POST when a check fails.
    pub(super) fn trigger(&mut self, value: &Value<'_>) -> Option<TriggerSpec> {
        let DeValue::Table(table) = value.get_ref() else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    "`trigger` must be an array of tables",
                )
                .help("declare each trigger as a `[[trigger]]` table"),
            );
            return None;
        };
        self.known_keys(table, TRIGGER_KEYS, "[[trigger]]");
        let Some(on_value) = get(table, "on") else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    "a trigger needs `on`, the checks whose failure sets it off",
                )
                .help("e.g. on = \"drift\" (a check id; globs such as \"drift-*\" work)"),
            );
            return None;
        };
        let on = self.string(on_value, "`on`")?;
        let on = match glob::Pattern::new(&on) {
            Ok(p) => p,
            Err(e) => {
                self.report(self.new_error(
                    ErrorKind::InvalidValue,
                    on_value.span(),
                    format!("invalid glob `{on}`: {e}"),
                ));
                return None;
            }
        };
        let Some(url_value) = get(table, "url") else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    "a trigger needs a `url` to POST to",
                )
                .help("e.g. a CI pipeline trigger or a training service"),
            );
            return None;
        };
        let url = self.string(url_value, "`url`")?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    url_value.span(),
                    format!("`{url}` is not an http or https URL"),
                )
                .label("not http(s)"),
            );
            return None;
        }
        let Some(secret_value) = get(table, "secret_env") else {
            self.report(
                self.new_error(ErrorKind::InvalidValue, value.span(), "a trigger needs `secret_env`, the variable holding its signing secret")
                    .help("receivers verify X-Mltest-Signature with it; the secret itself never goes in the suite"),
            );
            return None;
        };
        let secret_env = self.string(secret_value, "`secret_env`")?;
        if secret_env.is_empty()
            || !secret_env
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    secret_value.span(),
                    format!("`{secret_env}` is not an environment variable name"),
                )
                .help("the secret itself never goes in the suite: name the variable that holds it"),
            );
            return None;
        }
        let timeout = match get(table, "timeout") {
            None => std::time::Duration::from_secs(10),
            Some(v) => {
                let s = self.string(v, "timeout")?;
                match humantime::parse_duration(&s) {
                    Ok(d) if d <= std::time::Duration::from_secs(300) && !d.is_zero() => d,
                    _ => {
                        self.report(
                            self.new_error(
                                ErrorKind::InvalidValue,
                                v.span(),
                                format!("invalid trigger timeout `{s}`"),
                            )
                            .help("a duration from 1s to 5m, e.g. \"10s\""),
                        );
                        return None;
                    }
                }
            }
        };
        Some(TriggerSpec {
            on,
            url,
            secret_env,
            timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::confined;

    #[test]
    fn confined_paths_stay_inside() {
        for ok in ["a.parquet", "eval/holdout.parquet", "a/b/c"] {
            assert!(confined(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/..",
            "a\\..\\b",
            "a\0b",
            ".",
            "./a",
        ] {
            assert!(!confined(bad), "{bad:?}");
        }
    }
}
