//! JSON with comments: AJO's documentation writes `// …` notes inside its example payloads.

/// Removes `//` and `/* */` comments outside strings. Returns the text and whether any were found.
///
/// Comments become spaces (newlines kept), so JSON error positions still match the input.
pub fn strip_comments(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                found = true;
                out.push(' ');
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                    out.push(' ');
                }
            }
            ('/', Some('*')) => {
                found = true;
                chars.next();
                out.push_str("  ");
                let mut prev = '\0';
                for c in chars.by_ref() {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            _ => out.push(c),
        }
    }
    (out, found)
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn comments_go_strings_stay() {
        let (text, found) = strip_comments("{\"a\": \"x // y\", // note\n\"b\": /* c */ 1}");
        assert!(found);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value, serde_json::json!({"a": "x // y", "b": 1}));
        assert_eq!(text.lines().count(), 2);
        let (text, found) = strip_comments(r#"{"a": "quote \" // still string"}"#);
        assert!(!found);
        assert_eq!(text, r#"{"a": "quote \" // still string"}"#);
    }
}
