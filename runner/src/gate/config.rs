//! The gate file: which MLflow, which secrets (by variable name), where the
//! state lives, and per registered model its promotion steps.
//!
//! A model has one step (`suite` + `alias`), or a chain of them
//! (`[[models.NAME.promote]]`, e.g. staging then production), each with its
//! own suite and verdict tags. Secrets and credentials are never in the
//! file: it names environment variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;

/// A mistake in the gate file, shown at its span.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(mltest::gate::config))]
pub(crate) struct ConfigError {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: Option<SourceSpan>,
    #[help]
    help: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mlflow: MlflowFile,
    #[serde(default)]
    server: ServerFile,
    webhook: WebhookFile,
    #[serde(default)]
    state: StateFile,
    #[serde(default)]
    jobs: JobsFile,
    models: BTreeMap<String, toml::Spanned<ModelFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MlflowFile {
    url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    #[serde(default = "default_listen")]
    listen: String,
    /// How MLflow and people reach the gate: the webhook URL and report links.
    public_url: Option<String>,
}

impl Default for ServerFile {
    fn default() -> Self {
        ServerFile {
            listen: default_listen(),
            public_url: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFile {
    secret_env: String,
    /// The secret being rotated out; both verify until it is removed.
    previous_secret_env: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StateFile {
    dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    workers: Option<usize>,
    max_attempts: Option<u32>,
    retry_backoff: Option<String>,
    reconcile_every: Option<String>,
    lease: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    suite: Option<PathBuf>,
    alias: Option<String>,
    #[serde(default)]
    promote: Vec<StepFile>,
    #[serde(default)]
    guard: Guard,
    #[serde(default = "yes")]
    on_created: bool,
    #[serde(default)]
    on_alias: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    alias: String,
    suite: PathBuf,
    requires: Option<String>,
}

/// What the gate does when a protected alias points at an unapproved version.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Guard {
    /// Tag the version `mltest.violation` and report it.
    #[default]
    Alert,
    /// That, and move the alias back to the last version the gate approved.
    Revert,
}

/// One promotion: a suite that must pass before the gate moves `alias`.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) alias: String,
    pub(crate) suite: PathBuf,
    /// The step a version must have passed first.
    pub(crate) requires: Option<String>,
    /// Appended to every `mltest.*` tag of this step: empty for a model with
    /// one step, `.production` in a chain.
    pub(crate) suffix: String,
}

impl Step {
    pub(crate) fn tag(&self, key: &str) -> String {
        format!("mltest.{key}{}", self.suffix)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) name: String,
    pub(crate) steps: Vec<Step>,
    pub(crate) guard: Guard,
    pub(crate) on_created: bool,
    /// Setting one of these aliases on a version queues its first step.
    pub(crate) on_alias: Vec<String>,
}

impl Model {
    pub(crate) fn step(&self, alias: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.alias == alias)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) mlflow_url: String,
    pub(crate) listen: String,
    pub(crate) public_url: String,
    pub(crate) secret_envs: Vec<String>,
    pub(crate) state_dir: PathBuf,
    pub(crate) workers: usize,
    pub(crate) max_attempts: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) reconcile_every: Duration,
    pub(crate) lease: Duration,
    pub(crate) models: BTreeMap<String, Model>,
}

impl Config {
    pub(crate) fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        let text = crate::files::read_text(path, 1 << 20, "gate files are at most 1 MiB").map_err(
            |e| {
                Box::new(ConfigError {
                    message: format!("cannot read gate file {}: {e}", path.display()),
                    src: NamedSource::new(path.display().to_string(), String::new()),
                    span: None,
                    help: Some("pass it as `mltest serve --config gate.toml`".into()),
                })
            },
        )?;
        Config::parse(path, text)
    }

    fn parse(path: &Path, text: String) -> Result<Config, Box<ConfigError>> {
        let error =
            |message: String, span: Option<std::ops::Range<usize>>, help: Option<String>| {
                Box::new(ConfigError {
                    message,
                    src: NamedSource::new(path.display().to_string(), text.clone()),
                    span: span.map(Into::into),
                    help,
                })
            };
        let file: File =
            toml::from_str(&text).map_err(|e| error(e.message().to_string(), e.span(), None))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let duration = |value: &Option<String>,
                        what: &str,
                        fallback: Duration|
         -> Result<Duration, Box<ConfigError>> {
            match value {
                None => Ok(fallback),
                Some(s) => humantime::parse_duration(s)
                    .ok()
                    .filter(|d| !d.is_zero() && *d <= Duration::from_secs(7 * 24 * 3600))
                    .ok_or_else(|| {
                        error(
                            format!("invalid duration `{s}` for jobs.{what}"),
                            span_of(&text, s),
                            Some("e.g. \"30s\" or \"5m\"".into()),
                        )
                    }),
            }
        };
        if !(file.mlflow.url.starts_with("http://") || file.mlflow.url.starts_with("https://")) {
            return Err(error(
                format!("`{}` is not an http or https URL", file.mlflow.url),
                span_of(&text, &file.mlflow.url),
                None,
            ));
        }
        let mut models = BTreeMap::new();
        for (name, spanned) in file.models {
            let span = Some(spanned.span());
            let m = spanned.into_inner();
            let steps: Vec<Step> = match (m.suite, m.alias, m.promote.is_empty()) {
                (Some(suite), alias, true) => vec![Step {
                    alias: alias.unwrap_or_else(|| "champion".into()),
                    suite: dir.join(suite),
                    requires: None,
                    suffix: String::new(),
                }],
                (None, None, false) => m
                    .promote
                    .into_iter()
                    .map(|s| Step {
                        suffix: format!(".{}", s.alias),
                        alias: s.alias,
                        suite: dir.join(s.suite),
                        requires: s.requires,
                    })
                    .collect(),
                _ => {
                    return Err(error(
                        format!("model `{name}` must set either `suite` (and `alias`) or a `promote` chain"),
                        span,
                        Some("one step: suite = \"mltest.toml\", alias = \"champion\"; a chain: [[models.NAME.promote]] tables".into()),
                    ));
                }
            };
            for (i, step) in steps.iter().enumerate() {
                if step.alias == "latest"
                    || (step.alias.starts_with('v')
                        && step.alias[1..].bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(error(
                        format!(
                            "model `{name}`: `{}` is an alias MLflow reserves",
                            step.alias
                        ),
                        span.clone(),
                        None,
                    ));
                }
                if steps[..i].iter().any(|s| s.alias == step.alias) {
                    return Err(error(
                        format!("model `{name}`: alias `{}` is promoted twice", step.alias),
                        span.clone(),
                        None,
                    ));
                }
                if let Some(r) = &step.requires
                    && !steps[..i].iter().any(|s| &s.alias == r)
                {
                    return Err(error(
                        format!(
                            "model `{name}`: step `{}` requires `{r}`, which is not an earlier step",
                            step.alias
                        ),
                        span.clone(),
                        Some(
                            "list the steps in promotion order, e.g. staging before production"
                                .into(),
                        ),
                    ));
                }
            }
            models.insert(
                name.clone(),
                Model {
                    name,
                    steps,
                    guard: m.guard,
                    on_created: m.on_created,
                    on_alias: m.on_alias,
                },
            );
        }
        let public_url = file
            .server
            .public_url
            .unwrap_or_else(|| format!("http://{}", file.server.listen));
        Ok(Config {
            mlflow_url: file.mlflow.url,
            listen: file.server.listen,
            public_url: public_url.trim_end_matches('/').to_string(),
            secret_envs: std::iter::once(file.webhook.secret_env)
                .chain(file.webhook.previous_secret_env)
                .collect(),
            state_dir: dir.join(file.state.dir.unwrap_or_else(|| "gate-state".into())),
            workers: file.jobs.workers.unwrap_or(2).clamp(1, 64),
            max_attempts: file.jobs.max_attempts.unwrap_or(5).clamp(1, 100),
            retry_backoff: duration(
                &file.jobs.retry_backoff,
                "retry_backoff",
                Duration::from_secs(5),
            )?,
            reconcile_every: duration(
                &file.jobs.reconcile_every,
                "reconcile_every",
                Duration::from_secs(300),
            )?,
            lease: duration(&file.jobs.lease, "lease", Duration::from_secs(60))?,
            models,
        })
    }

    /// The webhook secrets' values, current first. A missing variable is an
    /// error: a gate that accepts unsigned deliveries gates nothing.
    pub(crate) fn secrets(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for (i, var) in self.secret_envs.iter().enumerate() {
            match std::env::var(var) {
                Ok(v) if !v.is_empty() => out.push(v),
                _ if i == 0 => return Err(format!("${var} (the webhook secret) is not set")),
                _ => {}
            }
        }
        Ok(out)
    }

    pub(crate) fn hook_url(&self) -> String {
        format!("{}/hooks/mlflow", self.public_url)
    }
}

/// The span of a value's first occurrence, for errors serde cannot place.
fn span_of(text: &str, value: &str) -> Option<std::ops::Range<usize>> {
    let quoted = format!("\"{value}\"");
    text.find(&quoted).map(|i| i..i + quoted.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Box<ConfigError>> {
        Config::parse(Path::new("/g/gate.toml"), text.to_string())
    }

    const BASE: &str = "[mlflow]\nurl = \"http://127.0.0.1:5000\"\n[webhook]\nsecret_env = \"S\"\n";

    #[test]
    fn one_step_and_chains() {
        let c = parse(&format!(
            "{BASE}[models.credit-risk]\nsuite = \"s.toml\"\nguard = \"revert\"\n"
        ))
        .unwrap();
        let m = &c.models["credit-risk"];
        assert_eq!(
            (
                m.steps[0].alias.as_str(),
                m.steps[0].tag("verdict").as_str()
            ),
            ("champion", "mltest.verdict")
        );
        assert_eq!(m.steps[0].suite, Path::new("/g/s.toml"));
        assert_eq!(m.guard, Guard::Revert);
        let c = parse(&format!(
            "{BASE}[[models.m.promote]]\nalias = \"staging\"\nsuite = \"a.toml\"\n[[models.m.promote]]\nalias = \"production\"\nsuite = \"b.toml\"\nrequires = \"staging\"\n"
        ))
        .unwrap();
        let steps = &c.models["m"].steps;
        assert_eq!(steps[1].tag("verdict"), "mltest.verdict.production");
        assert_eq!(steps[1].requires.as_deref(), Some("staging"));
    }

    #[test]
    fn mistakes_point_at_their_span() {
        for (text, wanted) in [
            (
                format!("{BASE}[models.m]\nsuite = \"s\"\nguard = \"veto\"\n"),
                "unknown variant",
            ),
            (format!("{BASE}[models.m]\nsuit = \"s\"\n"), "unknown field"),
            (
                format!("{BASE}[models.m]\nalias = \"x\"\n"),
                "either `suite`",
            ),
            (
                format!(
                    "{BASE}[[models.m.promote]]\nalias = \"p\"\nsuite = \"b\"\nrequires = \"staging\"\n"
                ),
                "not an earlier step",
            ),
            (
                format!("{BASE}[models.m]\nsuite = \"s\"\nalias = \"latest\"\n"),
                "reserves",
            ),
            (
                format!("{BASE}[jobs]\nlease = \"forever\"\n[models.m]\nsuite = \"s\"\n"),
                "invalid duration",
            ),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.message.contains(wanted), "{text}: {}", e.message);
            assert!(e.span.is_some(), "{text}: no span");
        }
    }
}
