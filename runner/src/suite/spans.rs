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

#[cfg(test)]
mod tests {
    use super::*;

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
