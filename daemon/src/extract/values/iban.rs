//! International Bank Account Numbers (ISO 13616): the check, and the IBAN a line prints from a
//! position on ("IBAN: BE41 7360 0661 9710"), so that its first groups are not read as another
//! number of the document (a Belgian VAT number "BE 41 7360 0661").

/// Whether `token` is an IBAN: a country code, two check digits and 10–30 letters or digits
/// whose ISO 13616 check (the country and check digits moved to the end, letters as 10–35,
/// the whole number modulo 97) gives 1.
pub fn is_iban(token: &str) -> bool {
    let b = token.as_bytes();
    let shaped = (14..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !shaped {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else {
            (c - b'A') as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Whether an IBAN of at least 15 characters (Norway's, the shortest) starts at byte `at` of
/// `line`, printed whole or in groups separated by single spaces ("BE41 7360 0661 9710",
/// "BE 41 7360 0661 9710"): some run of its first groups passes [`is_iban`]. Text after the
/// IBAN ("… 9710  BIC KREDBEBB") does not matter.
pub fn iban_at(line: &str, at: usize) -> bool {
    let Some(rest) = line.get(at..) else {
        return false;
    };
    let mut run = String::new();
    for group in rest.split(' ') {
        if group.is_empty()
            || !group
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            break;
        }
        run.push_str(group);
        if run.len() > 34 {
            break;
        }
        if run.len() >= 15 && is_iban(&run) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{iban_at, is_iban};

    #[test]
    fn the_check_digits_decide() {
        assert!(!is_iban("NL99ABNA0474400964"));
        assert!(is_iban("NL98ABNA0474400964"));
    }

    #[test]
    fn an_iban_in_groups_is_found_where_it_starts() {
        let line = "BIC: KREDBEBB - IBAN: BE 41 7360 0661 9710";
        let at = line.find("BE 41").unwrap();
        assert!(iban_at(line, at));
        assert!(iban_at("IBAN BE41 7360 0661 9710  BIC KREDBEBB", 5));
        // A VAT number is no IBAN, nor is a number that starts one's groups but is cut short.
        assert!(!iban_at("BTW BE 0465.015.822 RPR Bergen", 4));
        assert!(!iban_at("BE 41 7360 0661", 0));
    }
}
