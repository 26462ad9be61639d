//! A small, typed client for the MLflow REST calls the gate needs.
//!
//! Blocking (ureq): jobs run on worker threads, and a registry call is a
//! step in a job, not something to interleave. Every response is read with
//! a size cap, because the registry is a network peer like any other.
//! Credentials come from MLflow's own variables (`MLFLOW_TRACKING_TOKEN`, or
//! `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`), never a file.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The most a JSON answer may be: listings of big runs stay far below it.
const MAX_JSON_BYTES: u64 = 32 << 20;
/// Transient failures are retried this many times inside one call; the gate
/// retries whole jobs with a longer backoff on top.
const ATTEMPTS: u32 = 3;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RegistryError {
    #[error("cannot reach the registry at {url}: {message}")]
    #[diagnostic(
        code(mltest::registry::unreachable),
        help("is `mlflow server` running at this address?")
    )]
    Unreachable { url: String, message: String },
    #[error("the registry refused the credentials ({status}) for {url}")]
    #[diagnostic(
        code(mltest::registry::auth),
        help(
            "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) for a user with the permissions the gate needs"
        )
    )]
    Auth { url: String, status: u16 },
    #[error("{what} not found in the registry")]
    #[diagnostic(code(mltest::registry::not_found))]
    NotFound { what: String },
    #[error("the registry answered {status} for {url}: {message}")]
    #[diagnostic(code(mltest::registry::status))]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("the registry sent an unreadable answer for {url}: {message}")]
    #[diagnostic(code(mltest::registry::invalid))]
    Invalid { url: String, message: String },
    #[error("{what}: {message}")]
    #[diagnostic(code(mltest::registry::file))]
    File { what: String, message: String },
}

impl RegistryError {
    /// Worth trying again later: the registry was down or overloaded.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            RegistryError::Unreachable { .. } => true,
            RegistryError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

type Result<T> = std::result::Result<T, RegistryError>;

/// One model version, as the registry reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModelVersion {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) source: String,
    pub(crate) run_id: Option<String>,
    pub(crate) tags: std::collections::BTreeMap<String, String>,
    pub(crate) aliases: Vec<String>,
}

impl ModelVersion {
    fn from_json(v: &Value) -> Option<ModelVersion> {
        Some(ModelVersion {
            name: v.get("name")?.as_str()?.to_string(),
            version: v.get("version")?.as_str()?.to_string(),
            source: v
                .get("source")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            run_id: v
                .get("run_id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            tags: v
                .get("tags")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(|t| {
                            Some((
                                t.get("key")?.as_str()?.to_string(),
                                t.get("value")?.as_str()?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            aliases: v
                .get("aliases")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// A file in a registry listing.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) path: String,
    pub(crate) is_dir: bool,
    pub(crate) size: Option<u64>,
}

/// A webhook as the registry stores it (the secret is never returned).
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) events: Vec<(String, String)>,
    pub(crate) status: String,
}

#[derive(Clone)]
pub(crate) struct Mlflow {
    base: String,
    agent: ureq::Agent,
    /// For file downloads: no total deadline (a 2 GiB table takes what it
    /// takes), but a stalled read still ends.
    downloader: ureq::Agent,
    auth: Option<String>,
}

impl std::fmt::Debug for Mlflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mlflow")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Mlflow {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:5000`).
    pub(crate) fn new(base: &str) -> Mlflow {
        Mlflow::with_timeout(base, Duration::from_secs(60))
    }

    pub(crate) fn with_timeout(base: &str, timeout: Duration) -> Mlflow {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .build()
            .into();
        let downloader: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .max_redirects(0)
            .build()
            .into();
        let auth = match (
            std::env::var("MLFLOW_TRACKING_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
            std::env::var("MLFLOW_TRACKING_USERNAME").ok(),
            std::env::var("MLFLOW_TRACKING_PASSWORD").ok(),
        ) {
            (_, Some(user), Some(password)) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            (Some(token), _, _) => Some(format!("Bearer {token}")),
            _ => None,
        };
        Mlflow {
            base: base.trim_end_matches('/').to_string(),
            agent,
            downloader,
            auth,
        }
    }

    /// Sends a request, retrying transient failures with a short backoff.
    fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        self.send_with(&self.agent, method, path, query, body)
    }

    fn send_with(
        &self,
        agent: &ureq::Agent,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{path}", self.base);
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(250 << attempt));
            }
            let result = match method {
                "GET" => {
                    let mut r = agent.get(&url).query_pairs(query.iter().copied());
                    if let Some(a) = &self.auth {
                        r = r.header("Authorization", a);
                    }
                    r.call()
                }
                _ => {
                    let mut r = match method {
                        "PATCH" => agent.patch(&url),
                        "DELETE" => agent.delete(&url).force_send_body(),
                        _ => agent.post(&url),
                    };
                    if let Some(a) = &self.auth {
                        r = r.header("Authorization", a);
                    }
                    r.send_json(body.cloned().unwrap_or_else(|| json!({})))
                }
            };
            let error = match result {
                Ok(response) => match response.status().as_u16() {
                    401 | 403 => {
                        return Err(RegistryError::Auth {
                            url,
                            status: response.status().as_u16(),
                        });
                    }
                    status @ (429 | 500..=599) => RegistryError::Status {
                        url: url.clone(),
                        status,
                        message: error_message(response),
                    },
                    _ => return Ok(response),
                },
                Err(e) => RegistryError::Unreachable {
                    url: url.clone(),
                    message: e.to_string(),
                },
            };
            last = Some(error);
        }
        Err(last.expect("at least one attempt"))
    }

    /// A JSON call; a 404 (or MLflow's RESOURCE_DOES_NOT_EXIST) is `NotFound`.
    fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut response = self.send(method, path, query, body)?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_JSON_BYTES)
            .read_to_string()
            .map_err(|e| RegistryError::Invalid {
                url: url.clone(),
                message: e.to_string(),
            })?;
        if status == 404 || (status == 400 && text.contains("RESOURCE_DOES_NOT_EXIST")) {
            return Err(RegistryError::NotFound {
                what: what.to_string(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(RegistryError::Status {
                url,
                status,
                message: message_of(&text),
            });
        }
        serde_json::from_str(&text).map_err(|e| RegistryError::Invalid {
            url,
            message: format!("not JSON: {e}"),
        })
    }

    fn get(&self, path: &str, query: &[(&str, &str)], what: &str) -> Result<Value> {
        self.call("GET", &format!("/api/2.0/mlflow/{path}"), query, None, what)
    }

    fn post(&self, path: &str, body: Value, what: &str) -> Result<Value> {
        self.call(
            "POST",
            &format!("/api/2.0/mlflow/{path}"),
            &[],
            Some(&body),
            what,
        )
    }

    /// `/health`: the server answers at all.
    pub(crate) fn health(&self) -> Result<()> {
        let response = self.send("GET", "/health", &[], None)?;
        match response.status().as_u16() {
            200 => Ok(()),
            status => Err(RegistryError::Status {
                url: format!("{}/health", self.base),
                status,
                message: "unhealthy".into(),
            }),
        }
    }

    pub(crate) fn model_version(&self, name: &str, version: &str) -> Result<ModelVersion> {
        let what = format!("model version {name}/{version}");
        let v = self.get(
            "model-versions/get",
            &[("name", name), ("version", version)],
            &what,
        )?;
        v.get("model_version")
            .and_then(ModelVersion::from_json)
            .ok_or_else(|| self.invalid("model-versions/get", "no model_version in the answer"))
    }

    /// The version an alias points at; `None` when the alias is not set
    /// (MLflow answers 400 for that, not 404).
    pub(crate) fn alias(&self, name: &str, alias: &str) -> Result<Option<ModelVersion>> {
        self.aliases(name)?
            .get(alias)
            .map(|v| self.model_version(name, v))
            .transpose()
    }

    /// Every alias of a registered model, `alias -> version`.
    pub(crate) fn aliases(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        let v = self.get(
            "registered-models/get",
            &[("name", name)],
            &format!("registered model `{name}`"),
        )?;
        Ok(v.pointer("/registered_model/aliases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("alias")?.as_str()?.to_string(),
                            x.get("version")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// All versions of a model, newest first, page by page.
    pub(crate) fn versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        let filter = format!("name='{}'", name.replace('\'', "''"));
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..1000 {
            let mut query = vec![
                ("filter", filter.as_str()),
                ("order_by", "version_number DESC"),
                ("max_results", "200"),
            ];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let v = self.get("model-versions/search", &query, &format!("model `{name}`"))?;
            if let Some(versions) = v.get("model_versions").and_then(Value::as_array) {
                out.extend(versions.iter().filter_map(ModelVersion::from_json));
            }
            match v.get("next_page_token").and_then(Value::as_str) {
                Some(t) if !t.is_empty() && t != token => token = t.to_string(),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The `runs/get` answer: the run's info and its latest metrics.
    pub(crate) fn run(&self, run_id: &str) -> Result<Value> {
        self.get(
            "runs/get",
            &[("run_id", run_id)],
            &format!("run `{run_id}`"),
        )
    }

    /// The run that produced a version: its `run_id`, or (MLflow 3 clients
    /// leave that empty) the logged model's source run.
    pub(crate) fn run_of(&self, version: &ModelVersion) -> Result<String> {
        if let Some(run) = &version.run_id {
            return Ok(run.clone());
        }
        if let Some(model_id) = version.source.strip_prefix("models:/") {
            let v = self.get(
                &format!("logged-models/{}", encode(model_id)),
                &[],
                &format!("logged model `{model_id}`"),
            )?;
            if let Some(run) = v
                .pointer("/model/info/source_run_id")
                .and_then(Value::as_str)
            {
                return Ok(run.to_string());
            }
        }
        Err(RegistryError::NotFound {
            what: format!(
                "the run of model version {}/{}",
                version.name, version.version
            ),
        })
    }

    /// The files of a version's model, recursively (MLflow 3 keeps them
    /// under the logged model; older versions under their source run).
    pub(crate) fn model_files(
        &self,
        version: &ModelVersion,
        max_files: usize,
    ) -> Result<Vec<Listed>> {
        let mut out = Vec::new();
        let mut folders = vec![String::new()];
        while let Some(folder) = folders.pop() {
            let listing = if let Some(model_id) = version.source.strip_prefix("models:/") {
                let mut query = Vec::new();
                if !folder.is_empty() {
                    query.push(("artifact_directory_path", folder.as_str()));
                }
                self.get(
                    &format!("logged-models/{}/artifacts/directories", encode(model_id)),
                    &query,
                    &format!(
                        "files of model version {}/{}",
                        version.name, version.version
                    ),
                )?
            } else {
                let (run, root) = match runs_uri(&version.source) {
                    Some(found) => found,
                    None => self.run_relative(version)?,
                };
                let path = if folder.is_empty() {
                    root.clone()
                } else {
                    format!("{root}/{folder}")
                };
                let listed = self.get(
                    "artifacts/list",
                    &[("run_id", &run), ("path", &path)],
                    "run artifacts",
                )?;
                strip_prefix_listing(listed, &root)
            };
            for file in listing
                .get("files")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(path) = file.get("path").and_then(Value::as_str) else {
                    continue;
                };
                let path = path.trim_start_matches('/').to_string();
                let is_dir = file.get("is_dir").and_then(Value::as_bool).unwrap_or(false);
                let size = file
                    .get("file_size")
                    .and_then(|s| s.as_u64().or_else(|| s.as_str()?.parse().ok()));
                if is_dir {
                    folders.push(path.clone());
                }
                out.push(Listed { path, is_dir, size });
                if out.len() > max_files {
                    return Err(RegistryError::File {
                        what: format!("model version {}/{}", version.name, version.version),
                        message: format!("more than {max_files} files"),
                    });
                }
            }
        }
        Ok(out)
    }

    /// A source stored as the run's artifact location (`mlflow-artifacts:/…/
    /// artifacts/model`, how classic and MLflow 2 registrations look): the
    /// run, and the model's folder inside its artifacts.
    fn run_relative(&self, version: &ModelVersion) -> Result<(String, String)> {
        let unlistable = || RegistryError::File {
            what: format!("model version {}/{}", version.name, version.version),
            message: format!("cannot list files of source `{}`", version.source),
        };
        let run = version.run_id.clone().ok_or_else(unlistable)?;
        let info = self.run(&run)?;
        let root = info
            .pointer("/run/info/artifact_uri")
            .and_then(Value::as_str)
            .and_then(|uri| version.source.strip_prefix(uri.trim_end_matches('/')))
            .ok_or_else(unlistable)?;
        Ok((run, root.trim_matches('/').to_string()))
    }

    /// The listed size of one run artifact, if the registry lists it.
    pub(crate) fn run_file(&self, run_id: &str, path: &str) -> Result<Option<Listed>> {
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        let listed = self.get(
            "artifacts/list",
            &[("run_id", run_id), ("path", parent)],
            "run artifacts",
        )?;
        Ok(listed
            .get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|f| f.get("path").and_then(Value::as_str) == Some(path))
            .map(|f| Listed {
                path: path.to_string(),
                is_dir: f.get("is_dir").and_then(Value::as_bool).unwrap_or(false),
                size: f
                    .get("file_size")
                    .and_then(|s| s.as_u64().or_else(|| s.as_str()?.parse().ok())),
            }))
    }

    /// Streams a model-version file to `dest`; returns its size and sha256.
    pub(crate) fn download_model_file(
        &self,
        version: &ModelVersion,
        path: &str,
        dest: &Path,
        limit: u64,
    ) -> Result<(u64, String)> {
        self.download(
            "/model-versions/get-artifact",
            &[
                ("name", &version.name),
                ("version", &version.version),
                ("path", path),
            ],
            dest,
            limit,
            &format!(
                "model file `{path}` of {}/{}",
                version.name, version.version
            ),
        )
    }

    /// Streams a run file to `dest`; returns its size and sha256.
    pub(crate) fn download_run_file(
        &self,
        run_id: &str,
        path: &str,
        dest: &Path,
        limit: u64,
    ) -> Result<(u64, String)> {
        self.download(
            "/get-artifact",
            &[("run_id", run_id), ("path", path)],
            dest,
            limit,
            &format!("run artifact `{path}`"),
        )
    }

    fn download(
        &self,
        path: &str,
        query: &[(&str, &str)],
        dest: &Path,
        limit: u64,
        what: &str,
    ) -> Result<(u64, String)> {
        let mut response = self.send_with(&self.downloader, "GET", path, query, None)?;
        match response.status().as_u16() {
            200 => {}
            404 => {
                return Err(RegistryError::NotFound {
                    what: what.to_string(),
                });
            }
            status => {
                return Err(RegistryError::Status {
                    url: format!("{}{path}", self.base),
                    status,
                    message: error_message(response),
                });
            }
        }
        let file_error = |message: String| RegistryError::File {
            what: what.to_string(),
            message,
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| file_error(format!("cannot create {}: {e}", dest.display())))?;
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader();
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if total >= limit => {
                    let _ = e;
                    return Err(file_error(format!(
                        "larger than the {} limit",
                        bytesize::ByteSize(limit)
                    )));
                }
                Err(e) => {
                    return Err(RegistryError::Unreachable {
                        url: format!("{}{path}", self.base),
                        message: e.to_string(),
                    });
                }
            };
            total += n as u64;
            if total > limit {
                return Err(file_error(format!(
                    "larger than the {} limit",
                    bytesize::ByteSize(limit)
                )));
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])
                .map_err(|e| file_error(format!("cannot write {}: {e}", dest.display())))?;
        }
        file.sync_all()
            .map_err(|e| file_error(format!("cannot write {}: {e}", dest.display())))?;
        Ok((total, format!("{:x}", hasher.finalize())))
    }

    pub(crate) fn set_tag(&self, name: &str, version: &str, key: &str, value: &str) -> Result<()> {
        self.post(
            "model-versions/set-tag",
            json!({"name": name, "version": version, "key": key, "value": value}),
            &format!("model version {name}/{version}"),
        )
        .map(drop)
    }

    pub(crate) fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<()> {
        self.post(
            "registered-models/alias",
            json!({"name": name, "alias": alias, "version": version}),
            &format!("model version {name}/{version}"),
        )
        .map(drop)
    }

    pub(crate) fn webhooks(&self) -> Result<Vec<Webhook>> {
        let v = self.get("webhooks", &[("max_results", "1000")], "webhooks")?;
        Ok(v.get("webhooks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(webhook)
            .collect())
    }

    /// Creates the webhook, or updates the one with the same URL.
    pub(crate) fn upsert_webhook(
        &self,
        name: &str,
        url: &str,
        secret: &str,
        events: &[(&str, &str)],
    ) -> Result<Webhook> {
        let events: Vec<Value> = events
            .iter()
            .map(|(e, a)| json!({"entity": e, "action": a}))
            .collect();
        let body = json!({"name": name, "url": url, "secret": secret, "events": events, "status": "ACTIVE",
            "description": "mltest gate: evaluates new model versions before promotion"});
        let existing = self.webhooks()?.into_iter().find(|w| w.url == url);
        let v = match existing {
            Some(w) => self.call(
                "PATCH",
                &format!("/api/2.0/mlflow/webhooks/{}", encode(&w.id)),
                &[],
                Some(&body),
                "webhook",
            )?,
            None => self.post("webhooks", body, "webhook")?,
        };
        v.get("webhook")
            .and_then(webhook)
            .ok_or_else(|| self.invalid("webhooks", "no webhook in the answer"))
    }

    fn invalid(&self, path: &str, message: &str) -> RegistryError {
        RegistryError::Invalid {
            url: format!("{}/api/2.0/mlflow/{path}", self.base),
            message: message.into(),
        }
    }
}

fn webhook(v: &Value) -> Option<Webhook> {
    Some(Webhook {
        id: v.get("webhook_id")?.as_str()?.to_string(),
        url: v.get("url")?.as_str()?.to_string(),
        events: v
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e.get("entity")?.as_str()?.to_string(),
                    e.get("action")?.as_str()?.to_string(),
                ))
            })
            .collect(),
        status: v
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("ACTIVE")
            .to_string(),
    })
}

/// `runs:/<run>/<path>` → (run, path).
fn runs_uri(source: &str) -> Option<(String, String)> {
    let rest = source.strip_prefix("runs:/")?;
    let (run, path) = rest.split_once('/').unwrap_or((rest, ""));
    Some((run.to_string(), path.trim_matches('/').to_string()))
}

/// A run listing's paths are relative to the run; make them relative to the model root.
fn strip_prefix_listing(mut listing: Value, root: &str) -> Value {
    if let Some(files) = listing.get_mut("files").and_then(Value::as_array_mut) {
        for f in files {
            if let Some(p) = f.get("path").and_then(Value::as_str) {
                let stripped = p
                    .strip_prefix(root)
                    .unwrap_or(p)
                    .trim_start_matches('/')
                    .to_string();
                f["path"] = Value::String(stripped);
            }
        }
    }
    listing
}

/// Percent-encodes one path segment.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn error_message(mut response: ureq::http::Response<ureq::Body>) -> String {
    message_of(
        &response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .lossy_utf8(true)
            .read_to_string()
            .unwrap_or_default(),
    )
}

/// MLflow's `{"error_code", "message"}`, or the text, shortened.
fn message_of(text: &str) -> String {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| text.trim().to_string());
    let mut short: String = message.chars().take(300).collect();
    if short.len() < message.len() {
        short.push('…');
    }
    mltest_report::text::escape_controls(&short)
}
