//! Writing TOML by hand, so that every line can carry its reason as a
//! comment (serialisers drop comments). Values are quoted by the `toml`
//! crate, so any string comes out as valid TOML.

#[derive(Default)]
pub(super) struct Text {
    out: String,
}

/// Comments start at this column when the line is shorter.
const COMMENT_COLUMN: usize = 44;

impl Text {
    pub(super) fn line(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    pub(super) fn comment(&mut self, text: &str) {
        for line in text.lines() {
            self.out.push_str("# ");
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    /// `key = value  # why`.
    pub(super) fn set(&mut self, key: &str, value: &str, why: &str) {
        let line = format!("{} = {value}", self::key(key));
        if why.is_empty() {
            self.line(&line);
        } else {
            let pad = COMMENT_COLUMN.saturating_sub(line.chars().count()).max(1);
            self.line(&format!(
                "{line}{}# {}",
                " ".repeat(pad),
                why.replace('\n', " ")
            ));
        }
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// A TOML string literal.
pub(super) fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A bare key when TOML allows one, else a quoted key.
pub(super) fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        quoted(name)
    }
}

/// A float TOML reads back as the same value, rounded to six decimals.
pub(super) fn number(v: f64) -> String {
    let rounded = (v * 1e6).round() / 1e6;
    let s = format!("{rounded}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_are_valid_toml() {
        let mut t = Text::default();
        t.set("plain", &quoted("a \"quoted\" \\ value"), "why");
        t.set("odd key.with dots", &number(0.700000001), "");
        let parsed: toml::Table = toml::from_str(&t.finish()).unwrap();
        assert_eq!(parsed["plain"].as_str(), Some("a \"quoted\" \\ value"));
        assert_eq!(parsed["odd key.with dots"].as_float(), Some(0.7));
    }
}
