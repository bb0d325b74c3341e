//! Accents drawn as glyphs of their own. TeX (`\'a`, the OT1 fonts' accent characters) and some
//! older generators paint an accent as a spacing character — ´ ¨ ˆ ˜ ¸ ˇ … — placed over or
//! under its letter, so the text layer says "La´ zaro" for "Lázaro": the accent breaks the word
//! and the gap measured after it reads as a space. An accent glyph whose horizontal centre lies
//! over a letter's box is that letter's diacritic: the two are composed into one character
//! (Unicode canonical composition, NFC — UAX #15), when Unicode has it precomposed.

use unicode_normalization::UnicodeNormalization;

/// A glyph's character and horizontal extent: `(char, left, right)`, in points.
pub(super) type Placed = (char, f32, f32);

/// The combining mark of a spacing accent character (Unicode's "spacing clones" of the
/// combining diacritical marks, U+0300 block), or `None`.
fn combining(ch: char) -> Option<char> {
    Some(match ch {
        '\u{b4}' | '\u{2ca}' => '\u{301}', // acute
        '`' | '\u{2cb}' => '\u{300}',      // grave
        '\u{a8}' => '\u{308}',             // diaeresis
        '^' | '\u{2c6}' => '\u{302}',      // circumflex
        '~' | '\u{2dc}' => '\u{303}',      // tilde
        '\u{b8}' => '\u{327}',             // cedilla
        '\u{2c7}' => '\u{30c}',            // caron
        '\u{2d8}' => '\u{306}',            // breve
        '\u{2da}' => '\u{30a}',            // ring above
        '\u{2dd}' => '\u{30b}',            // double acute
        '\u{2d9}' => '\u{307}',            // dot above
        '\u{af}' | '\u{2c9}' => '\u{304}', // macron
        '\u{2db}' => '\u{328}',            // ogonek
        _ => return None,
    })
}

/// `letter` with `accent`'s mark, as one precomposed character, if Unicode has one.
fn compose(letter: char, accent: char) -> Option<char> {
    let mark = combining(accent)?;
    if !letter.is_alphabetic() {
        return None;
    }
    let mut composed = [letter, mark].into_iter().nfc();
    match (composed.next(), composed.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn centred_over(accent: Placed, letter: Placed) -> bool {
    let centre = (accent.1 + accent.2) / 2.0;
    letter.1 <= centre && centre <= letter.2
}

/// The character that `prev` and `next` (neighbours in a row, left to right) make together
/// when one is an accent drawn over (or under) the other letter: "a" + "´" → "á", in either
/// order. `None` when they are two characters.
pub(super) fn composed(prev: Placed, next: Placed) -> Option<char> {
    if centred_over(next, prev) {
        if let Some(c) = compose(prev.0, next.0) {
            return Some(c);
        }
    }
    if centred_over(prev, next) {
        return compose(next.0, prev.0);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(ch: char, left: f32, right: f32) -> Placed {
        (ch, left, right)
    }

    #[test]
    fn an_accent_over_its_letter_is_composed_in_either_order() {
        assert_eq!(composed(g('a', 10.0, 15.0), g('´', 11.0, 14.0)), Some('á'));
        assert_eq!(composed(g('´', 11.0, 14.0), g('a', 10.0, 15.0)), Some('á'));
        assert_eq!(composed(g('n', 10.0, 15.0), g('˜', 10.5, 14.5)), Some('ñ'));
        assert_eq!(composed(g('c', 10.0, 15.0), g('¸', 11.0, 13.0)), Some('ç'));
    }

    #[test]
    fn a_tex_accent_makes_one_word_in_the_layout_text() {
        use crate::extract::pdf::{layout_rows, Glyph};
        // "La´ zaro": the acute drawn over the a, the z after the a's box, as TeX places them.
        let at = |ch, left: f32, right: f32| Glyph {
            ch,
            left,
            right,
            bottom: 0.0,
            top: 10.0,
        };
        let row = vec![
            at('L', 0.0, 5.0),
            at('a', 5.0, 10.0),
            at('´', 6.5, 9.0),
            at('z', 10.5, 15.0),
            at('o', 15.0, 20.0),
        ];
        assert_eq!(layout_rows(1, vec![row])[0].text, "Lázo");
    }

    #[test]
    fn an_accent_beside_a_letter_or_without_a_precomposed_form_stays() {
        // "it´s": the acute after the t, not over it.
        assert_eq!(composed(g('t', 10.0, 13.0), g('´', 13.5, 15.0)), None);
        // No "q with acute" in Unicode.
        assert_eq!(composed(g('q', 10.0, 15.0), g('´', 11.0, 14.0)), None);
        // Not a letter.
        assert_eq!(composed(g('5', 10.0, 15.0), g('´', 11.0, 14.0)), None);
        assert_eq!(composed(g('a', 10.0, 15.0), g('b', 11.0, 14.0)), None);
    }
}
