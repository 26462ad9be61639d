//! Suite-file diagnostics: every mistake points at its span in the suite file.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// What went wrong; each kind has a stable diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Syntax,
    UnknownKey,
    InvalidValue,
    DuplicateId,
    UnknownArtifact,
    UnknownCommand,
    UnknownPlugin,
    InvalidParams,
    MissingFile,
    OutsideRoot,
    PluginLoad,
    UndeclaredGrant,
}

impl ErrorKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "mltest::suite::syntax",
            ErrorKind::UnknownKey => "mltest::suite::unknown_key",
            ErrorKind::InvalidValue => "mltest::suite::invalid_value",
            ErrorKind::DuplicateId => "mltest::suite::duplicate_id",
            ErrorKind::UnknownArtifact => "mltest::suite::unknown_artifact",
            ErrorKind::UnknownCommand => "mltest::suite::unknown_command",
            ErrorKind::UnknownPlugin => "mltest::suite::unknown_plugin",
            ErrorKind::InvalidParams => "mltest::suite::invalid_params",
            ErrorKind::MissingFile => "mltest::suite::missing_file",
            ErrorKind::OutsideRoot => "mltest::suite::outside_root",
            ErrorKind::PluginLoad => "mltest::suite::plugin_load",
            ErrorKind::UndeclaredGrant => "mltest::suite::undeclared_grant",
        }
    }
}

/// The suite file's text, shared by all its diagnostics.
#[derive(Debug, Clone)]
pub(crate) struct SuiteSource {
    pub(crate) name: String,
    pub(crate) text: Arc<String>,
}

impl SuiteSource {
    fn named(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(&self.name, self.text.clone()).with_language("TOML")
    }
}

/// One mistake in a suite file.
#[derive(Debug)]
pub(crate) struct SuiteError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
    pub(crate) span: Range<usize>,
    pub(crate) label: String,
    pub(crate) help: Option<String>,
    source: NamedSource<Arc<String>>,
}

impl SuiteError {
    pub(crate) fn new(
        source: &SuiteSource,
        kind: ErrorKind,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        SuiteError {
            kind,
            message: message.into(),
            span,
            label: "here".into(),
            help: None,
            source: source.named(),
        }
    }

    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds `help` only when no more specific help (a suggestion) was given.
    pub(crate) fn help_if_none(self, help: impl FnOnce() -> String) -> Self {
        if self.help.is_none() {
            self.help(help())
        } else {
            self
        }
    }

    /// Adds "did you mean `x`?" when a candidate is close enough to `wrong`.
    pub(crate) fn suggest<'a>(
        self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        match did_you_mean(wrong, candidates) {
            Some(best) => self.help(format!("did you mean `{best}`?")),
            None => self,
        }
    }
}

/// The closest candidate by Jaro-Winkler similarity, if it is close.
pub(crate) fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SuiteError {}

impl Diagnostic for SuiteError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = LabeledSpan::new_with_span(Some(self.label.clone()), self.span.clone());
        Some(Box::new(std::iter::once(span)))
    }
}

/// All the mistakes found in one suite file, reported together.
#[derive(Debug)]
pub(crate) struct SuiteErrors {
    pub(crate) path: String,
    pub(crate) errors: Vec<SuiteError>,
}

impl fmt::Display for SuiteErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.len() {
            1 => write!(f, "invalid suite {}", self.path),
            n => write!(f, "invalid suite {} ({n} errors)", self.path),
        }
    }
}

impl std::error::Error for SuiteErrors {}

impl Diagnostic for SuiteErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("mltest::suite::invalid"))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.errors.iter().map(|e| e as &dyn Diagnostic)))
    }
}
