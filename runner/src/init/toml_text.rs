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

    /// Comment text is escaped: TOML forbids control characters (a column
    /// name may hold one) in comments.
    pub(super) fn comment(&mut self, text: &str) {
        for line in mltest_report::text::escape_controls(text).lines() {
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
            let why = mltest_report::text::escape_controls(why).replace('\n', " ");
            self.line(&format!("{line}{}# {why}", " ".repeat(pad)));
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

/// A bare key when TOML allows one, else a one-line basic string (a
/// multi-line string is not a key), escaped as TOML requires.
pub(super) fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return name.to_string();
    }
    let mut out = String::from("\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
        t.set("line\nbreak\"key", "1", "why\r\x07");
        t.comment("a\rb");
        let parsed: toml::Table = toml::from_str(&t.finish()).unwrap();
        assert_eq!(parsed["plain"].as_str(), Some("a \"quoted\" \\ value"));
        assert_eq!(parsed["odd key.with dots"].as_float(), Some(0.7));
        assert_eq!(parsed["line\nbreak\"key"].as_integer(), Some(1));
    }
}
