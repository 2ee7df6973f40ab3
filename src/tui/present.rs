//! Presenter mode: user ids, org id, client id and tokens never reach the screen or the
//! clipboard. Masking runs on the finished frame, so nothing a widget draws can slip past it.

use ratatui::buffer::Buffer;

/// The mask shown instead of a hidden character.
const MASK: &str = "•";
/// A value cut with an ellipsis (`test…`) is hidden from this many characters on.
const MIN_PREFIX: usize = 4;
/// A value cut without one (by a table column or the screen edge) from this many on.
const MIN_BARE_PREFIX: usize = 6;

/// `text` with every occurrence of every secret replaced by bullets of the same length.
pub fn mask_text(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in ordered(secrets) {
        out = out.replace(secret.as_str(), &MASK.repeat(secret.chars().count()));
    }
    out
}

/// Hides every secret in a drawn frame, also where a cell was cut short with `…`.
pub fn mask_buffer(buffer: &mut Buffer, secrets: &[String]) {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        // One char per cell (wide symbols keep their first char), so char index = column.
        let row: Vec<char> = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol().chars().next().unwrap_or(' '))
            .collect();
        let mut hidden = vec![false; row.len()];
        for secret in ordered(secrets) {
            let secret: Vec<char> = secret.chars().collect();
            for start in 0..row.len() {
                let whole = row[start..].starts_with(&secret);
                let cut = (MIN_PREFIX..secret.len()).rev().find_map(|n| {
                    let ellipsis = row.get(start + n) == Some(&'…');
                    let matches = row[start..].starts_with(&secret[..n]);
                    match (matches, ellipsis) {
                        (true, true) => Some(n + 1),
                        (true, false) if n >= MIN_BARE_PREFIX => Some(n),
                        _ => None,
                    }
                });
                let length = match (whole, cut) {
                    (true, _) => secret.len(),
                    (false, Some(n)) => n,
                    (false, None) => continue,
                };
                hidden[start..start + length]
                    .iter_mut()
                    .for_each(|h| *h = true);
            }
        }
        for (i, hide) in hidden.into_iter().enumerate() {
            if hide {
                buffer[(area.left() + i as u16, y)].set_symbol(MASK);
            }
        }
    }
}

/// Non-empty secrets, longest first (so a value containing another is hidden whole).
fn ordered(secrets: &[String]) -> Vec<&String> {
    let mut list: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    list.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn secrets() -> Vec<String> {
        vec![
            "testemail@gmail.com".into(),
            "ORG@AdobeOrg".into(),
            String::new(),
        ]
    }

    #[test]
    fn text_is_masked_to_the_same_length() {
        assert_eq!(
            mask_text("to testemail@gmail.com!", &secrets()),
            format!("to {}!", "•".repeat(19))
        );
        assert_eq!(mask_text("nothing here", &secrets()), "nothing here");
    }

    #[test]
    fn frames_hide_whole_and_truncated_values() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 30, 3));
        buffer.set_string(
            0,
            0,
            "user testemail@gmail.com",
            ratatui::style::Style::new(),
        );
        buffer.set_string(
            0,
            1,
            "cut testemail@…  org ORG@AdobeOrg",
            ratatui::style::Style::new(),
        );
        buffer.set_string(0, 2, "test is fine", ratatui::style::Style::new());
        mask_buffer(&mut buffer, &secrets());
        let rows: Vec<String> = (0..3)
            .map(|y| {
                (0..30)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect();
        assert_eq!(rows[0], format!("user {}", "•".repeat(19)));
        assert_eq!(
            rows[1],
            format!("cut {}  org {}", "•".repeat(11), "•".repeat(9)),
            "ORG@Adobe is cut by the edge"
        );
        assert_eq!(
            rows[2], "test is fine",
            "a short prefix without an ellipsis stays"
        );
    }
}
