//! Text in the form the reading rules compare it in: lower case, Latin letters without their
//! diacritics (`é` → `e`, `ä` → `a`, `ß` → `ss`), typographic apostrophes and dashes made plain.
//! Character positions are kept one for one except for `ß` (two letters), so a match in the folded
//! line can be cut out of the original by char index when the line has no `ß`.

/// One lower-case character without its diacritic (`ß` stays: it is two letters folded).
pub fn fold_char(c: char) -> char {
    const FROM: &str = "àáâãäåāçćčèéêëēęìíîïłñńòóôõöøōśšùúûüūýÿźżž’‘`´–—";
    const TO: &str = "aaaaaaaccceeeeeeiiiilnnooooooossuuuuuyyzzz''''--";
    FROM.chars()
        .position(|f| f == c)
        .and_then(|i| TO.chars().nth(i))
        .unwrap_or(c)
}

/// `s` folded: lower case, no diacritics.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        for l in c.to_lowercase() {
            if l == 'ß' {
                out.push_str("ss");
            } else {
                out.push(fold_char(l));
            }
        }
    }
    out
}

/// Letters and digits of `s`, folded: the form names and numbers are compared in.
pub fn key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// `s` folded with every run of characters other than letters and digits made one space ("No. of
/// Items:" → "no of items"): the form labels are compared in word by word.
pub fn words(s: &str) -> String {
    let spaced: String = fold(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `needle` (folded) occurs in `hay` (folded) as whole words.
pub fn has_words(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return true;
        }
        from = start + needle.len().max(1);
        if from >= hay.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_words() {
        assert_eq!(fold("Facture d’Avoir — Größe"), "facture d'avoir - grosse");
        assert_eq!(key("Taylor's Store, Inc."), "taylorsstoreinc");
        assert!(has_words("retail invoices/bill", "invoices"));
        assert!(!has_words("invoiced amount", "invoice"));
        assert!(has_words("tax invoice", "invoice"));
    }
}
