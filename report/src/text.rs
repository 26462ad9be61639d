//! Plugin-controlled text made safe to show. Renderers (terminal, JUnit,
//! and later CI annotations and HTML) escape it the same way.

/// Control characters other than tab and newline become `\u{..}` escapes,
/// so text from a plugin cannot move the cursor, recolour a terminal or
/// break XML 1.0, which forbids most of them. Carriage returns are dropped.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            '\r' => {}
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(
            escape_controls("a\x1b[31mred\x07\r\nok\tdone\u{9b}"),
            "a\\u{1b}[31mred\\u{7}\nok\tdone\\u{9b}"
        );
    }
}
