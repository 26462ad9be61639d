//! Suite text → [`Suite`], over toml's spanned document so every value and
//! every key keeps its position for diagnostics.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{ErrorKind, SuiteError, SuiteErrors, SuiteSource};
use super::resolve;
use super::{
    ArtifactSpec, CheckSpec, CommandSpec, DEFAULT_COMMAND_TIMEOUT, DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT, Format, Limits, MAX_MEMORY_BYTES, MAX_TIMEOUT, NAME_RULE, OutputSpec,
    PluginSource, PluginSpec, Severity, SizeLimits, Suite, valid_name,
};
use crate::host::GRANTS;

const TOP_KEYS: &[&str] = &[
    "suite",
    "defaults",
    "artifacts",
    "plugins",
    "commands",
    "limits",
    "check",
    "trigger",
];
const SUITE_KEYS: &[&str] = &["name", "description", "run_commands", "root"];
const LIMIT_KEYS: &[&str] = &["max_table_size", "max_document_size", "memory"];
const COMMAND_KEYS: &[&str] = &["run", "runs", "timeout", "env", "outputs"];
const OUTPUT_KEYS: &[&str] = &["path", "format", "delimiter"];
const DEFAULT_KEYS: &[&str] = &["timeout", "memory", "severity"];
const ARTIFACT_KEYS: &[&str] = &["path", "format", "delimiter", "sha256"];
const PLUGIN_KEYS: &[&str] = &["path", "oci", "sha256"];
const CHECK_KEYS: &[&str] = &[
    "id",
    "plugin",
    "severity",
    "timeout",
    "memory",
    "params",
    "description",
    "grants",
];

pub(super) type Value<'i> = Spanned<DeValue<'i>>;

pub(super) struct Parser<'s> {
    pub(super) source: &'s SuiteSource,
    /// The suite file's folder; relative paths start here.
    pub(super) dir: PathBuf,
    /// Paths must resolve inside this folder (canonical).
    pub(super) root: PathBuf,
    pub(super) errors: Vec<SuiteError>,
}

pub(super) fn parse(path: &Path, text: String) -> Result<Suite, SuiteErrors> {
    let source = SuiteSource {
        name: path.display().to_string(),
        text: Arc::new(text),
    };
    let text = source.text.clone();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = resolve::canonical_dir(&dir);
    let mut parser = Parser {
        source: &source,
        dir,
        root,
        errors: Vec::new(),
    };

    let root = match DeTable::parse(&text) {
        Ok(root) => root,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_lowercase();
            let error = SuiteError::new(
                &source,
                ErrorKind::Syntax,
                span,
                format!("invalid TOML: {message}"),
            )
            .label("here");
            return Err(SuiteErrors {
                path: source.name.clone(),
                errors: vec![error],
            });
        }
    };
    let mut suite = parser.suite(path, root.get_ref());
    if parser.errors.is_empty() {
        super::spans::locate(&mut suite);
        Ok(suite)
    } else {
        Err(SuiteErrors {
            path: source.name.clone(),
            errors: parser.errors,
        })
    }
}

impl Parser<'_> {
    pub(super) fn new_error(
        &self,
        kind: ErrorKind,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> SuiteError {
        SuiteError::new(self.source, kind, span, message)
    }

    pub(super) fn report(&mut self, error: SuiteError) {
        self.errors.push(error);
    }

    /// Reports keys outside `allowed`, suggesting the closest allowed key.
    pub(super) fn known_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let e = SuiteError::new(
                    self.source,
                    ErrorKind::UnknownKey,
                    key.span(),
                    format!("unknown key `{name}` in {context}"),
                )
                .label("not a known key")
                .suggest(name, allowed.iter().copied())
                .help_if_none(|| format!("expected one of: {}", allowed.join(", ")));
                self.errors.push(e);
            }
        }
    }

    fn table<'a, 'i>(&mut self, value: &'a Value<'i>, what: &str) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.report(self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    format!("{what} must be a table"),
                ));
                None
            }
        }
    }

    pub(super) fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        match value.get_ref().as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        value.span(),
                        format!("{what} must be a string"),
                    )
                    .label(format!("found {}", kind_name(value.get_ref()))),
                );
                None
            }
        }
    }

    fn suite(&mut self, path: &Path, root: &DeTable<'_>) -> Suite {
        self.known_keys(root, TOP_KEYS, "the suite file");
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut name = absolute
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "suite".into());
        let mut defaults = Limits {
            timeout: DEFAULT_TIMEOUT,
            memory_bytes: DEFAULT_MEMORY_BYTES,
        };
        let mut default_severity = Severity::Error;
        let mut artifacts = Vec::new();
        let mut plugins = Vec::new();
        let mut commands = Vec::new();
        let mut checks = Vec::new();
        let mut run_commands = None;

        if let Some(meta) = get(root, "suite").and_then(|v| self.table(v, "[suite]")) {
            self.known_keys(meta, SUITE_KEYS, "[suite]");
            if let Some(n) = get(meta, "name").and_then(|v| self.string(v, "suite name")) {
                name = n;
            }
            if let Some(d) = get(meta, "description") {
                self.string(d, "description");
            }
            if let Some(v) = get(meta, "root") {
                self.suite_root(v);
            }
            if let Some(v) = get(meta, "run_commands") {
                match v.get_ref() {
                    DeValue::Boolean(b) => run_commands = Some((*b, v.span())),
                    other => self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            "`run_commands` must be true or false",
                        )
                        .label(format!("found {}", kind_name(other))),
                    ),
                }
            }
        }
        if let Some(table) = get(root, "defaults").and_then(|v| self.table(v, "[defaults]")) {
            self.known_keys(table, DEFAULT_KEYS, "[defaults]");
            defaults = self.limits(table, &defaults);
            if let Some(s) = get(table, "severity").and_then(|v| self.severity(v)) {
                default_severity = s;
            }
        }
        let mut sizes = SizeLimits::default();
        if let Some(table) = get(root, "limits").and_then(|v| self.table(v, "[limits]")) {
            self.known_keys(table, LIMIT_KEYS, "[limits]");
            if let Some(v) = get(table, "max_table_size") {
                sizes.max_table_bytes = self.size(v, "max_table_size", sizes.max_table_bytes);
            }
            if let Some(v) = get(table, "max_document_size") {
                sizes.max_document_bytes =
                    self.size(v, "max_document_size", sizes.max_document_bytes);
            }
            if let Some(v) = get(table, "memory") {
                sizes.memory_bytes = self.size(v, "memory", sizes.memory_bytes);
            }
        }
        if let Some(table) = get(root, "artifacts").and_then(|v| self.table(v, "[artifacts]")) {
            for (key, value) in table.iter() {
                if let Some(a) = self.artifact(key.get_ref(), value) {
                    artifacts.push(a);
                }
            }
        }
        if let Some(table) = get(root, "plugins").and_then(|v| self.table(v, "[plugins]")) {
            for (key, value) in table.iter() {
                if let Some(p) = self.plugin(key.get_ref(), value) {
                    plugins.push(p);
                }
            }
        }
        if let Some(value) = get(root, "commands")
            && let Some(table) = self.table(value, "[commands]")
        {
            for (key, value) in table.iter() {
                if let Some(c) = self.command(key.get_ref(), value, &artifacts) {
                    commands.push(c);
                }
            }
            if !commands.is_empty() && run_commands.as_ref().is_none_or(|(allowed, _)| !*allowed) {
                let span = run_commands.clone().map_or(value.span(), |(_, span)| span);
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        span,
                        "the suite declares commands but does not opt in to running them",
                    )
                    .label("commands run on this machine, outside the sandbox")
                    .help("set `run_commands = true` under [suite] if you trust these commands"),
                );
            }
        }
        match get(root, "check").map(|v| (v.span(), v.get_ref())) {
            Some((_, DeValue::Array(items))) => {
                let mut seen = BTreeSet::new();
                for (index, item) in items.iter().enumerate() {
                    if let Some(check) =
                        self.check(index, item, &defaults, default_severity, &mut seen)
                    {
                        checks.push(check);
                    }
                }
            }
            Some((span, _)) => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        span,
                        "`check` must be an array of tables",
                    )
                    .help("declare each check as a `[[check]]` table"),
                );
            }
            None => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        0..0,
                        "the suite declares no checks",
                    )
                    .help("add a `[[check]]` table with an `id` and a `plugin`"),
                );
            }
        }
        let mut triggers = Vec::new();
        match get(root, "trigger").map(|v| (v.span(), v.get_ref())) {
            Some((_, DeValue::Array(items))) => {
                triggers.extend(items.iter().filter_map(|item| self.trigger(item)));
            }
            Some((span, _)) => self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    span,
                    "`trigger` must be an array of tables",
                )
                .help("declare each trigger as a `[[trigger]]` table"),
            ),
            None => {}
        }
        Suite {
            name,
            path: path.to_path_buf(),
            source: self.source.clone(),
            artifacts,
            plugins,
            commands,
            checks,
            sizes,
            triggers,
            digest: crate::files::sha256_hex(self.source.text.as_bytes()),
        }
    }

    /// A size such as `"2GiB"`, at least 1 KiB.
    fn size(&mut self, value: &Value<'_>, what: &str, fallback: u64) -> u64 {
        let Some(text) = self.string(value, what) else {
            return fallback;
        };
        match text.parse::<bytesize::ByteSize>() {
            Ok(size) if size.as_u64() >= 1024 => size.as_u64(),
            _ => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        value.span(),
                        format!("invalid {what} `{text}`"),
                    )
                    .help("write a size of at least 1 KiB, such as \"64MiB\" or \"8GiB\""),
                );
                fallback
            }
        }
    }

    /// `[commands.NAME]`: `run` is an argument list whose `{suite_dir}` and
    /// `{artifact:NAME}` placeholders become absolute paths.
    fn command(
        &mut self,
        name: &str,
        value: &Value<'_>,
        artifacts: &[ArtifactSpec],
    ) -> Option<CommandSpec> {
        let table = self.table(value, &format!("command `{name}`"))?;
        self.known_keys(table, COMMAND_KEYS, &format!("command `{name}`"));
        if !valid_name(name) {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    format!("invalid command name `{name}`"),
                )
                .help(NAME_RULE),
            );
            return None;
        }
        let Some(run) = get(table, "run") else {
            self.report(
                self.new_error(ErrorKind::InvalidValue, value.span(), format!("command `{name}` has no `run`"))
                    .help("write `run = [\"python3\", \"{suite_dir}/score.py\", \"--out\", \"predictions.csv\"]`"),
            );
            return None;
        };
        let dir = if self.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.dir
        };
        let suite_dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut argv = Vec::new();
        match run.get_ref() {
            DeValue::Array(items) if !items.is_empty() => {
                for item in items {
                    let arg = self.string(item, "a `run` argument")?;
                    argv.push(self.expand(&arg, item.span(), &suite_dir, artifacts)?);
                }
            }
            _ => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        run.span(),
                        "`run` must be a non-empty list of strings",
                    )
                    .help("the program and its arguments, one string each; no shell is involved"),
                );
                return None;
            }
        }
        let runs = match get(table, "runs") {
            Some(v) => {
                let runs = match v.get_ref() {
                    DeValue::Integer(i) => i.to_string().parse::<u32>().ok(),
                    _ => None,
                };
                match runs.filter(|n| (2..=100).contains(n)) {
                    Some(n) => n,
                    None => {
                        self.report(self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            "`runs` must be an integer from 2 to 100",
                        ));
                        return None;
                    }
                }
            }
            None => 2,
        };
        let timeout = self
            .limits(
                table,
                &Limits {
                    timeout: DEFAULT_COMMAND_TIMEOUT,
                    memory_bytes: DEFAULT_MEMORY_BYTES,
                },
            )
            .timeout;
        let mut env = Vec::new();
        if let Some(t) = get(table, "env").and_then(|v| self.table(v, "`env`")) {
            for (key, value) in t.iter() {
                let text = self.string(value, "an environment value")?;
                env.push((
                    key.get_ref().to_string(),
                    self.expand(&text, value.span(), &suite_dir, artifacts)?,
                ));
            }
        }
        let mut outputs = Vec::new();
        match get(table, "outputs") {
            Some(v) => {
                let t = self.table(v, "`outputs`")?;
                let mut complete = true;
                for (key, value) in t.iter() {
                    match self.output(key.get_ref(), value) {
                        Some(output) => outputs.push(output),
                        None => complete = false,
                    }
                }
                if !complete {
                    return None;
                }
            }
            None => {
                self.report(
                    self.new_error(ErrorKind::InvalidValue, value.span(), format!("command `{name}` declares no `outputs`"))
                        .help("name the files each run writes: `outputs = { predictions = \"predictions.csv\" }`"),
                );
                return None;
            }
        }
        Some(CommandSpec {
            name: name.to_string(),
            argv,
            runs,
            timeout,
            env,
            outputs,
        })
    }

    fn output(&mut self, name: &str, value: &Value<'_>) -> Option<OutputSpec> {
        let (path_value, format_value) = match value.get_ref() {
            DeValue::Table(t) => {
                self.known_keys(t, OUTPUT_KEYS, &format!("output `{name}`"));
                let Some(path) = get(t, "path") else {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            value.span(),
                            format!("output `{name}` has no `path`"),
                        )
                        .label("every output names the file a run writes")
                        .help("write `name = \"out.csv\"` or `name = { path = \"out.csv\", format = \"csv\" }`"),
                    );
                    return None;
                };
                (path, get(t, "format"))
            }
            _ => (value, None),
        };
        let raw = self.string(path_value, "output path")?;
        let path = PathBuf::from(&raw);
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    path_value.span(),
                    format!("output `{name}` must stay inside the run's folder"),
                )
                .help("outputs are relative to the fresh folder each run starts in"),
            );
            return None;
        }
        let format = self.format(format_value, path_value, &path, &raw)?;
        let delimiter = if raw.to_ascii_lowercase().ends_with(".tsv") {
            b'\t'
        } else {
            b','
        };
        Some(OutputSpec {
            name: name.to_string(),
            path,
            format,
            delimiter,
        })
    }

    /// An optional `sha256 = "[sha256:]HEX"` pin: `Some(None)` when absent,
    /// `None` (reported) when malformed.
    pub(super) fn pin(&mut self, table: &DeTable<'_>) -> Option<Option<String>> {
        let Some(v) = get(table, "sha256") else {
            return Some(None);
        };
        let digest = self.string(v, "sha256")?.to_ascii_lowercase();
        let digest = digest
            .strip_prefix("sha256:")
            .unwrap_or(&digest)
            .to_string();
        if !crate::files::is_sha256_hex(&digest) {
            self.report(self.new_error(
                ErrorKind::InvalidValue,
                v.span(),
                "sha256 must be 64 hex digits",
            ));
            return None;
        }
        Some(Some(digest))
    }

    fn artifact(&mut self, name: &str, value: &Value<'_>) -> Option<ArtifactSpec> {
        let span = value.span();
        if !valid_name(name) {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    span.clone(),
                    format!("invalid artifact name `{name}`"),
                )
                .label("`@` and `/` are kept for command outputs (`command@1/output`)")
                .help(NAME_RULE),
            );
            return None;
        }
        let (path_value, format_value, delimiter, sha256) = match value.get_ref() {
            DeValue::String(_) => (value, None, None, None),
            DeValue::Table(t) if get(t, "mlflow").is_some() => {
                let kind = get(t, "mlflow")?;
                let (source, format) = self.registry_source(name, t, kind)?;
                return Some(ArtifactSpec {
                    name: name.to_string(),
                    path: PathBuf::new(),
                    format,
                    delimiter: self
                        .delimiter(get(t, "delimiter"), source.path.as_deref().unwrap_or(""))?,
                    registry: Some(source),
                    absent: None,
                    sha256: None,
                });
            }
            DeValue::Table(t) => {
                self.known_keys(t, ARTIFACT_KEYS, &format!("artifact `{name}`"));
                let Some(path) = get(t, "path") else {
                    self.report(self.new_error(ErrorKind::InvalidValue, span, format!("artifact `{name}` has no `path`"))
                        .help("write `name = \"path/to/file\"` or `name = { path = \"...\", format = \"csv\" }`"));
                    return None;
                };
                (path, get(t, "format"), get(t, "delimiter"), self.pin(t)?)
            }
            other => {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        span,
                        format!("artifact `{name}` must be a path or a table"),
                    )
                    .label(format!("found {}", kind_name(other))),
                );
                return None;
            }
        };
        let raw = self.string(path_value, "artifact path")?;
        let path = self.dir.join(&raw);
        let format = self.format(format_value, path_value, &path, &raw)?;
        self.resolve_file(
            &format!("artifact `{name}`"),
            path_value,
            &raw,
            format == Format::Mlmodel,
        )?;
        let delim = self.delimiter(delimiter, &raw)?;
        Some(ArtifactSpec {
            name: name.to_string(),
            path,
            format,
            delimiter: delim,
            registry: None,
            absent: None,
            sha256,
        })
    }

    /// The CSV delimiter: declared, or implied by a `.tsv` name.
    fn delimiter(&mut self, value: Option<&Value<'_>>, raw: &str) -> Option<u8> {
        let Some(v) = value else {
            return Some(if raw.to_ascii_lowercase().ends_with(".tsv") {
                b'\t'
            } else {
                b','
            });
        };
        let d = self.string(v, "delimiter")?;
        match d.as_bytes() {
            [b] => Some(*b),
            _ => {
                self.report(self.new_error(
                    ErrorKind::InvalidValue,
                    v.span(),
                    "delimiter must be a single ASCII character",
                ));
                None
            }
        }
    }

    fn plugin(&mut self, name: &str, value: &Value<'_>) -> Option<PluginSpec> {
        let table = self.table(value, &format!("plugin `{name}`"))?;
        self.known_keys(table, PLUGIN_KEYS, &format!("plugin `{name}`"));
        if !valid_name(name) {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    format!("invalid plugin name `{name}`"),
                )
                .help(NAME_RULE),
            );
            return None;
        }
        let source = match (get(table, "path"), get(table, "oci")) {
            (Some(path_value), None) => {
                let raw = self.string(path_value, "plugin path")?;
                let path = self.dir.join(&raw);
                self.resolve_file(&format!("plugin `{name}`"), path_value, &raw, false)?;
                PluginSource::File(path)
            }
            (None, Some(oci_value)) => {
                let raw = self.string(oci_value, "oci reference")?;
                match crate::sources::OciRef::parse(&raw) {
                    Ok(oci) => PluginSource::Oci(oci),
                    Err(message) => {
                        self.report(
                            self.new_error(ErrorKind::InvalidValue, oci_value.span(), message)
                                .help("write `oci = \"oci://HOST/NAMESPACE/NAME:TAG\"`, optionally ending in `@sha256:DIGEST`"),
                        );
                        return None;
                    }
                }
            }
            (Some(_), Some(oci_value)) => {
                self.report(self.new_error(
                    ErrorKind::InvalidValue,
                    oci_value.span(),
                    format!("plugin `{name}` has both `path` and `oci`; keep one"),
                ));
                return None;
            }
            (None, None) => {
                self.report(self.new_error(ErrorKind::InvalidValue, value.span(), format!("plugin `{name}` has no `path` or `oci`"))
                    .help("write `[plugins.NAME]` with `path = \"plugin.wasm\"` (optionally `sha256 = \"...\"`), or `oci = \"oci://HOST/NAMESPACE/NAME:TAG\"`"));
                return None;
            }
        };
        let sha256 = self.pin(table)?;
        Some(PluginSpec {
            name: name.to_string(),
            source,
            sha256,
            span: value.span(),
        })
    }

    fn check(
        &mut self,
        index: usize,
        value: &Value<'_>,
        defaults: &Limits,
        default_severity: Severity,
        seen: &mut BTreeSet<String>,
    ) -> Option<CheckSpec> {
        let table = self.table(value, "a `[[check]]` entry")?;
        self.known_keys(table, CHECK_KEYS, "[[check]]");
        let Some(plugin_value) = get(table, "plugin") else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    "check has no `plugin`",
                )
                .help(
                    "name a built-in plugin (see `mltest plugins`) or one declared under [plugins]",
                ),
            );
            return None;
        };
        let plugin = self.string(plugin_value, "plugin")?;
        let id_span = get(table, "id").map(|v| v.span());
        let id = match get(table, "id") {
            Some(v) => {
                let id = self.string(v, "id")?;
                if !valid_name(&id) {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            format!("invalid check id `{id}`"),
                        )
                        .help(NAME_RULE),
                    );
                    return None;
                }
                if !seen.insert(id.clone()) {
                    self.report(
                        self.new_error(
                            ErrorKind::DuplicateId,
                            v.span(),
                            format!("duplicate check id `{id}`"),
                        )
                        .label("already used by an earlier check")
                        .help("check ids name JUnit test suites and must be unique"),
                    );
                    return None;
                }
                id
            }
            None => {
                self.report(self.new_error(ErrorKind::InvalidValue, value.span(), "check has no `id`")
                    .help("give each check a stable `id`: it names the JUnit testsuite and `--only`/`--skip` match it"));
                return None;
            }
        };
        let limits = self.limits(table, defaults);
        let severity = match get(table, "severity") {
            Some(v) => self.severity(v)?,
            None => default_severity,
        };
        if let Some(d) = get(table, "description") {
            self.string(d, "description");
        }
        let grant_spans = match get(table, "grants") {
            Some(v) => self.grants(v)?,
            None => Vec::new(),
        };
        let mut grants: Vec<String> = grant_spans.iter().map(|(g, _)| g.clone()).collect();
        grants.sort();
        grants.dedup();
        let params = match get(table, "params") {
            Some(v) => match v.get_ref() {
                DeValue::Table(_) => to_json(v.get_ref()),
                other => {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            "`params` must be a table",
                        )
                        .label(format!("found {}", kind_name(other))),
                    );
                    return None;
                }
            },
            None => serde_json::Value::Object(Default::default()),
        };
        Some(CheckSpec {
            id,
            plugin,
            severity,
            grants,
            grant_spans,
            limits,
            params,
            index,
            plugin_span: plugin_value.span(),
            id_span: id_span.unwrap_or_else(|| value.span()),
            location: mltest_report::Location::new(self.source.name.clone(), 0, 0),
            param_locations: Default::default(),
        })
    }

    fn limits(&mut self, table: &DeTable<'_>, base: &Limits) -> Limits {
        let mut limits = base.clone();
        if let Some(v) = get(table, "timeout")
            && let Some(text) = self.string(v, "timeout")
        {
            match humantime::parse_duration(&text) {
                Ok(d) if d > Duration::ZERO && d <= MAX_TIMEOUT => limits.timeout = d,
                Ok(d) if d > MAX_TIMEOUT => {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            format!("timeout `{text}` is longer than the 7 days a timeout may be"),
                        )
                        .help("write a duration such as \"30s\", \"10m\" or \"2h\""),
                    );
                }
                _ => {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            format!("invalid timeout `{text}`"),
                        )
                        .help("write a positive duration such as \"30s\", \"500ms\" or \"2m\""),
                    );
                }
            }
        }
        if let Some(v) = get(table, "memory")
            && let Some(text) = self.string(v, "memory")
        {
            match text.parse::<bytesize::ByteSize>() {
                Ok(size) if (1 << 20..=MAX_MEMORY_BYTES).contains(&size.as_u64()) => {
                    limits.memory_bytes = size.as_u64()
                }
                Ok(size) if size.as_u64() > MAX_MEMORY_BYTES => {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            format!(
                                "memory limit `{text}` is more than a wasm32 plugin can address"
                            ),
                        )
                        .label("at most 4 GiB")
                        .help("a plugin's linear memory is at most 4 GiB; write \"4GiB\" or less"),
                    );
                }
                _ => {
                    self.report(
                        self.new_error(
                            ErrorKind::InvalidValue,
                            v.span(),
                            format!("invalid memory limit `{text}`"),
                        )
                        .help("write a size of at least 1 MiB, such as \"256MiB\" or \"1GiB\""),
                    );
                }
            }
        }
        limits
    }

    /// `grants = ["clock", "random"]`: capabilities beyond the sandbox's.
    fn grants(&mut self, value: &Value<'_>) -> Option<Vec<(String, std::ops::Range<usize>)>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    value.span(),
                    "`grants` must be a list of strings",
                )
                .help(format!("grants are: {}", GRANTS.join(", "))),
            );
            return None;
        };
        let mut grants = Vec::new();
        for item in items {
            let grant = self.string(item, "a grant")?;
            if !GRANTS.contains(&grant.as_str()) {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        item.span(),
                        format!("unknown grant `{grant}`"),
                    )
                    .label("not a capability mltest grants")
                    .suggest(&grant, GRANTS.iter().copied())
                    .help_if_none(|| format!("grants are: {}", GRANTS.join(", "))),
                );
                return None;
            }
            grants.push((grant, item.span()));
        }
        Some(grants)
    }

    fn severity(&mut self, value: &Value<'_>) -> Option<Severity> {
        let text = self.string(value, "severity")?;
        match text.as_str() {
            "error" => Some(Severity::Error),
            "warn" | "warning" => Some(Severity::Warn),
            _ => {
                self.report(self.new_error(ErrorKind::InvalidValue, value.span(), format!("unknown severity `{text}`"))
                    .help("severity is `error` (failures gate) or `warn` (failures are reported only)"));
                None
            }
        }
    }
}

pub(super) fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn kind_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// TOML → JSON for plugin parameters. Datetimes become RFC 3339 strings.
pub(super) fn to_json(value: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i64::from_str_radix(digits.trim_start_matches('+'), i.radix()) {
                Ok(n) => J::from(n),
                Err(_) => J::String(digits),
            }
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(J::Number)
                .unwrap_or(J::String(text))
        }
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(items) => J::Array(items.iter().map(|v| to_json(v.get_ref())).collect()),
        DeValue::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref())))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite_in(dir: &Path, text: &str) -> Result<Suite, SuiteErrors> {
        for file in ["train.parquet", "serving.tsv", "m.json", "p.wasm"] {
            std::fs::write(dir.join(file), b"").unwrap();
        }
        std::fs::create_dir_all(dir.join("model")).unwrap();
        std::fs::write(dir.join("model/MLmodel"), b"").unwrap();
        parse(&dir.join("mltest.toml"), text.to_string())
    }

    #[test]
    fn resolves_artifacts_limits_and_params() {
        let dir = tempfile::tempdir().unwrap();
        let suite = suite_in(
            dir.path(),
            r#"
[defaults]
timeout = "5s"
severity = "warn"
[artifacts]
training = "train.parquet"
serving = "serving.tsv"
model = "model"
metrics = { path = "m.json" }
[plugins.custom]
path = "p.wasm"
sha256 = "sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
[[check]]
id = "a"
plugin = "schema"
memory = "64MiB"
[check.params]
n = 0x10
x = 1_000.5
when = 2026-11-21T00:00:00Z
list = [1, "two"]
[[check]]
id = "b"
plugin = "custom"
severity = "error"
timeout = "250ms"
"#,
        )
        .unwrap();
        assert_eq!(
            suite.name,
            dir.path().file_name().unwrap().to_string_lossy()
        );
        let formats: Vec<(&str, Format, u8)> = suite
            .artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.format, a.delimiter))
            .collect();
        assert!(formats.contains(&("serving", Format::Csv, b'\t')));
        assert!(formats.contains(&("model", Format::Mlmodel, b',')));
        assert!(formats.contains(&("metrics", Format::Json, b',')));
        assert_eq!(suite.plugins[0].sha256.as_deref().unwrap().len(), 64);
        assert!(
            suite.plugins[0]
                .sha256
                .as_deref()
                .unwrap()
                .starts_with("abcdef")
        );

        let (a, b) = (&suite.checks[0], &suite.checks[1]);
        assert_eq!(
            (a.severity, a.limits.timeout, a.limits.memory_bytes),
            (Severity::Warn, Duration::from_secs(5), 64 << 20)
        );
        assert_eq!(
            (b.severity, b.limits.timeout, b.limits.memory_bytes),
            (
                Severity::Error,
                Duration::from_millis(250),
                DEFAULT_MEMORY_BYTES
            )
        );
        assert_eq!(
            a.params,
            serde_json::json!({"n": 16, "x": 1000.5, "when": "2026-11-21T00:00:00Z", "list": [1, "two"]})
        );
        assert_eq!(b.params, serde_json::json!({}));
    }

    #[test]
    fn collects_every_mistake_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let errors = suite_in(
            dir.path(),
            r#"
[artifacts]
serving = "missing.csv"
weird = "file.xyz"
[plugins.bad]
path = "p.wasm"
sha256 = "nothex"
[[check]]
id = "has space"
plugin = "schema"
[[check]]
plugin = "schema"
[[check]]
id = "x"
plugin = "schema"
memory = "1KiB"
params = 3
"#,
        )
        .unwrap_err();
        let codes: Vec<&str> = errors.errors.iter().map(|e| e.kind.code()).collect();
        assert_eq!(
            codes,
            [
                "mltest::suite::missing_file",
                "mltest::suite::invalid_value", // format of file.xyz
                "mltest::suite::invalid_value", // sha256
                "mltest::suite::invalid_value", // id with a space
                "mltest::suite::invalid_value", // no id
                "mltest::suite::invalid_value", // memory below 1 MiB
                "mltest::suite::invalid_value", // params not a table
            ]
        );
        let text = errors
            .errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains("missing.csv") && text.contains("file.xyz") && text.contains("has space"),
            "{text}"
        );
    }
}
