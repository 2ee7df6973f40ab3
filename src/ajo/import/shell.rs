//! Splits a pasted shell command into words, the way a POSIX shell would before running it.
//!
//! Handled by hand rather than with a crate: errors must quote the offending part of the
//! command, which needs each word's position, and `\`-newline continuations, `$'…'` quoting
//! and CRLF line ends must behave as in bash. Nothing is expanded: `$TOKEN` stays as written.

use super::{ImportError, excerpt};

/// One shell word and the byte offset in the command where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    pub text: String,
    pub start: usize,
}

/// The command's words. Newlines separate words like spaces, so a paste that lost its `\`
/// continuations still reads as one command; `#` at the start of a word comments out the rest
/// of the line.
pub(super) fn split(command: &str) -> Result<Vec<Word>, ImportError> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut chars = command.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => words.extend(current.take()),
            '\\' => match chars.next() {
                Some((_, '\n')) => {}
                Some((_, '\r')) if chars.peek().is_some_and(|&(_, c)| c == '\n') => {
                    chars.next();
                }
                Some((_, escaped)) => word(&mut current, at).push(escaped),
                None => word(&mut current, at).push('\\'),
            },
            '\'' => {
                let text = word(&mut current, at);
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, c)) => text.push(c),
                        None => return Err(unbalanced(command, at)),
                    }
                }
            }
            '"' => {
                let text = word(&mut current, at);
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, '\n')) => {}
                            Some((_, c @ ('$' | '`' | '"' | '\\'))) => text.push(c),
                            Some((_, c)) => {
                                text.push('\\');
                                text.push(c);
                            }
                            None => return Err(unbalanced(command, at)),
                        },
                        Some((_, c)) => text.push(c),
                        None => return Err(unbalanced(command, at)),
                    }
                }
            }
            '$' if chars.peek().is_some_and(|&(_, c)| c == '\'') => {
                chars.next();
                let text = word(&mut current, at);
                ansi_c(command, at, &mut chars, text)?;
            }
            '#' if current.is_none() => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '|' | ';' | '&' | '<' | '>' | '(' | ')' | '`' => {
                return Err(ImportError::new(format!(
                    "shell operator `{c}` at: {}",
                    excerpt(command, at)
                ))
                .hint("paste only the curl command, with its body inline"));
            }
            _ => word(&mut current, at).push(c),
        }
    }
    words.extend(current);
    Ok(words)
}

/// The text of the word being read, started at `at` if none is.
fn word(current: &mut Option<Word>, at: usize) -> &mut String {
    &mut current
        .get_or_insert_with(|| Word {
            text: String::new(),
            start: at,
        })
        .text
}

/// The rest of a `$'…'` word: backslash escapes as in bash.
fn ansi_c(
    command: &str,
    at: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    text: &mut String,
) -> Result<(), ImportError> {
    loop {
        match chars.next() {
            Some((_, '\'')) => return Ok(()),
            Some((_, '\\')) => match chars.next() {
                Some((_, 'n')) => text.push('\n'),
                Some((_, 't')) => text.push('\t'),
                Some((_, 'r')) => text.push('\r'),
                Some((_, c @ ('\\' | '\'' | '"' | '?'))) => text.push(c),
                Some((_, c)) => {
                    text.push('\\');
                    text.push(c);
                }
                None => return Err(unbalanced(command, at)),
            },
            Some((_, c)) => text.push(c),
            None => return Err(unbalanced(command, at)),
        }
    }
}

fn unbalanced(command: &str, at: usize) -> ImportError {
    ImportError::new(format!(
        "unbalanced quote starting at: {}",
        excerpt(command, at)
    ))
    .hint("the closing quote is missing: copy the whole command again")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(command: &str) -> Vec<String> {
        split(command)
            .unwrap()
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        assert_eq!(
            texts("curl -X POST \\\n  'a b' \"c \\\"d\\\" \\$e \\x\" f\\ g"),
            ["curl", "-X", "POST", "a b", "c \"d\" $e \\x", "f g"]
        );
        // The '\'' idiom puts a single quote inside a single-quoted word.
        assert_eq!(texts("'it'\\''s'"), ["it's"]);
        assert_eq!(texts("$'a\\nb\\'c'"), ["a\nb'c"]);
        // CRLF continuations, and a lost continuation, still give one command.
        assert_eq!(texts("a \\\r\n b\r\n c"), ["a", "b", "c"]);
        assert_eq!(texts("a # note 'x\nb"), ["a", "b"]);
        assert_eq!(texts("a#b"), ["a#b"]);
        assert_eq!(texts("\"Bearer $TOKEN\""), ["Bearer $TOKEN"]);
    }

    #[test]
    fn words_know_where_they_start() {
        let words = split("curl  -d '{}'").unwrap();
        assert_eq!(words[1].start, 6);
        assert_eq!(words[2].start, 9);
    }

    #[test]
    fn errors_quote_the_offending_part() {
        let error = split("curl -d '{\"requestId\": \"r-1\", \"campaignId\": \"c\"}").unwrap_err();
        assert_eq!(
            error.message,
            "unbalanced quote starting at: '{\"requestId\": \"r-1\", \"campaignI…"
        );
        let error = split("curl x | jq .").unwrap_err();
        assert_eq!(error.message, "shell operator `|` at: | jq .");
    }
}
