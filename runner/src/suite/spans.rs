//! Where each check parameter sits in the suite file, so a JSON Schema
//! error's instance path points at the exact TOML value or key. Built once
//! per validation from one parse of the text, not once per error.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::parse::{Value, get};

/// JSON pointer → (value span, key span when the value is under a key).
type Spans = HashMap<String, (Range<usize>, Option<Range<usize>>)>;

pub(super) struct ParamSpans {
    /// One map per `[[check]]`, in file order.
    checks: Vec<Spans>,
}

impl ParamSpans {
    pub(super) fn new(text: &str) -> ParamSpans {
        let mut checks = Vec::new();
        if let Ok(root) = DeTable::parse(text)
            && let Some(DeValue::Array(items)) = get(root.get_ref(), "check").map(|v| v.get_ref())
        {
            for item in items {
                let mut spans = Spans::new();
                if let DeValue::Table(check) = item.get_ref()
                    && let Some(params) = get(check, "params")
                {
                    walk(params, String::new(), None, &mut spans);
                }
                checks.push(spans);
            }
        }
        ParamSpans { checks }
    }

    /// The span of the value at `pointer` in check `index`'s params.
    pub(super) fn value(&self, index: usize, pointer: &str) -> Option<Range<usize>> {
        self.checks.get(index)?.get(pointer).map(|(v, _)| v.clone())
    }

    /// The span of key `key` of the table at `pointer` in check `index`'s params.
    pub(super) fn key(&self, index: usize, pointer: &str, key: &str) -> Option<Range<usize>> {
        let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        self.checks.get(index)?.get(&child)?.1.clone()
    }
}

fn walk(value: &Value<'_>, pointer: String, key: Option<Range<usize>>, out: &mut Spans) {
    match value.get_ref() {
        DeValue::Table(t) => {
            for (k, v) in t.iter() {
                let name = k.get_ref().replace('~', "~0").replace('/', "~1");
                walk(v, format!("{pointer}/{name}"), Some(k.span()), out);
            }
        }
        DeValue::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), None, out);
            }
        }
        _ => {}
    }
    out.insert(pointer, (value.span(), key));
}

/// Line and column (both 1-based, columns in characters) of byte offsets
/// in one text.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    fn at(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.chars().count());
        (
            u32::try_from(line + 1).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        )
    }
}

/// Fills in where each check and each of its parameter keys is written.
pub(super) fn locate(suite: &mut super::Suite) {
    let text = suite.source.text.clone();
    let lines = Lines::new(&text);
    let spans = ParamSpans::new(&text);
    let file = suite.source.name.clone();
    let location = |span: &Range<usize>| {
        let (line, column) = lines.at(span.start);
        mltest_report::Location::new(file.clone(), line, column)
    };
    for check in &mut suite.checks {
        check.location = location(&check.id_span);
        if let Some(map) = spans.checks.get(check.index) {
            check.param_locations = map
                .iter()
                .map(|(pointer, (value, key))| {
                    (pointer.clone(), location(key.as_ref().unwrap_or(value)))
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let lines = Lines::new("ab\né = 1\n\nx");
        assert_eq!(lines.at(0), (1, 1));
        assert_eq!(lines.at(1), (1, 2));
        assert_eq!(lines.at(3), (2, 1));
        // `=` follows a two-byte character: column 3, not 4.
        assert_eq!(lines.at(6), (2, 3));
        assert_eq!(lines.at(10), (3, 1));
        assert_eq!(lines.at(11), (4, 1));
        assert_eq!(lines.at(999), (4, 2));
    }

    #[test]
    fn spans_point_into_params() {
        let text =
            "[[check]]\nid = \"a\"\nplugin = \"p\"\n[check.params]\nouter = { inner = [1, 22] }\n";
        let spans = ParamSpans::new(text);
        let span = spans.value(0, "/outer/inner/1").unwrap();
        assert_eq!(&text[span], "22");
        let key = spans.key(0, "/outer", "inner").unwrap();
        assert_eq!(&text[key], "inner");
        assert!(spans.value(1, "/outer").is_none());
    }
}
