//! What a party's name looks like, and the labels that introduce parties: name-likeness (not an
//! e-mail, URL, phone, date, amount, address line or label), cleaning (a sender line's address,
//! a title word, an OCR-garbled legal form), company names with their legal form, e-mail
//! addresses, postal codes, and the party labels of `schema/reading/vocabulary.json`.

use std::sync::OnceLock;

use regex::Regex;

use super::fold::{fold, has_words, words};
use super::vocabulary::vocabulary;

pub(super) fn re(cell: &'static OnceLock<Regex>, p: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(p).expect("valid pattern"))
}

/// Legal forms of companies, as printed (the longer spelling first where one starts another:
/// "Oy Ab" before "Oy", "S.A.U." before "S.A."; the regex takes the first alternative that fits).
/// German and Austrian forms glued to the company's kind ("Handelsges.mbH", "Ges.m.b.H."); the
/// English forms also in capitals, as till receipts print them ("ABC TRADING SDN BHD").
const LEGAL_FORMS: &str = r"(?:Inc\.?|Incorporated|Ltd\.?|Limited|INC\.?|INCORPORATED|LTD\.?|LIMITED|CORP\.?|CORPORATION|PVT\.?\s*LTD\.?|PRIVATE\s+LIMITED|PTY\.?\s*LTD\.?|Sdn\.?\s*Bhd\.?|SDN\.?\s*BHD\.?|Bhd\.?|BHD\.?|Berhad|BERHAD|Ltda\.?|LTDA\.?|KGaA|LLC|L\.L\.C\.|LLP|PLC|plc|Corp\.?|Corporation|Co\.|GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|KG|OHG|e\.K\.|UG|SAS|SASU|SARL|EURL|S\.A\.S\.?|S\.A\.R\.L\.?|SA|S\.A\.|S\.L\.|SL|S\.L\.U\.|SRL|S\.r\.l\.|S\.p\.A\.|SpA|BV|B\.V\.|NV|N\.V\.|Pvt\.?\s*Ltd\.?|Private\s+Limited|Pty\.?\s*Ltd\.?|[Ss]p\.\s*z\s*o\.\s?o\.|S\.A\.U\.|S\.à\s?r\.\s?l\.|Sàrl|spol\.\s*s\s*r\.\s?o\.|s\.\s?r\.\s?o\.|a\.\s?s\.|z\.\s?s\.\s?p\.\s?o\.|ApS|ASA|AB|AS|A/S|Oy\s+Ab|Ab\s+Oy|Oyj|Oy|Kft\.|Zrt\.|d\.o\.o\.|e\.V\.|GbR|(?:[A-Z][a-z]*ges\.?\s?|[A-Z]*GES\.?\s?)?(?:mbH|MBH|m\.b\.H\.)|Ges\.?\s?m\.?\s?b\.?\s?H\.?)";

pub(super) fn legal_name_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    // A capitalised word, or one in camel case ("iSolar", "eBay").
    const CAP: &str = r"(?:[A-Z0-9ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÑ]|[a-z][A-Z])[\w&'’.\-]*";
    const LINK: &str = r"(?:de|del|della|di|du|des|la|le|les|von|van|der|den|y|e|et|and|und|&)";
    re(
        &R,
        &format!(
            r"(?:^|[\s:(])({CAP}(?:[\s,]+(?:{CAP}|{LINK})){{0,5}}?,?\s+{LEGAL_FORMS})(?:$|[\s,.;:)−–-])"
        ),
    )
}

/// Whether `s` prints a company name with its legal form ("Aldi GmbH & Co. KG").
pub fn has_legal_form(s: &str) -> bool {
    legal_name_re().is_match(s)
}

/// Whether `legal` spells `name` more fully: it begins with `name`'s words and has more
/// ("SATURN" → "SATURN ELECTRO HANDELSGES.MBH"; "Rightchoice Packaging" → "Rightchoice
/// Packaging Company"). A name that only appears inside it is not enough: "For Appario Retail
/// Private Ltd" (a signature line) does not spell "Appario Retail Private Ltd" more fully.
/// A bank named after the brand it banks for ("Contoso Bank LTD" in the payment block of
/// Contoso's invoice) is another company, not a fuller name (`BANK_WORDS`).
pub fn fuller(name: &str, legal: &str) -> bool {
    let (name, legal) = (words(name), words(legal));
    let n: Vec<&str> = name.split(' ').filter(|w| !w.is_empty()).collect();
    let l: Vec<&str> = legal.split(' ').collect();
    !n.is_empty()
        && l.len() > n.len()
        && l.starts_with(&n)
        && !l[n.len()..].iter().any(|w| BANK_WORDS.contains(w))
}

/// Words that make a company name a bank's.
const BANK_WORDS: &[&str] = &["bank", "banque", "banca", "banco", "sparkasse", "bancorp"];

/// Whether `printed` is the legal name of the party called `name` (as a trade name, a logo or
/// the books spell it): a company name with its legal form ([`has_legal_form`]) that spells
/// `name` more fully ([`fuller`]): "SATURN ELECTRO HANDELSGES.MBH" for "Saturn", "Aldi GmbH &
/// Co. KG" for "ALDI".
pub fn spells_more_fully(name: &str, printed: &str) -> bool {
    fuller(name, printed) && has_legal_form(printed)
}

/// Whether `s` is a legal form alone ("GmbH", "Company", "S.A."): a name's last line when the
/// name is printed over two.
pub(super) fn legal_form_alone(s: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, &format!(r"^(?:{LEGAL_FORMS}|Company)$")).is_match(s.trim())
}

/// OCR reads the `l` of `S.r.l.` as `I`: legal forms back in their printed spelling.
fn fix_legal_form(name: &str) -> String {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"(?i)\bs\.r\.[il1]\.?$")
        .replace(name, "S.r.l.")
        .into_owned()
}

/// An e-mail address in `s`.
pub fn email_in(s: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
        .find(s)
        .map(|m| m.as_str().to_string())
}

/// Whether `s` can be a party's name: letters, not an e-mail, URL, phone, date, amount or label.
pub fn name_like(s: &str) -> bool {
    static NUMERIC: OnceLock<Regex> = OnceLock::new();
    let t = s.trim();
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2
        || t.contains('@')
        || t.contains(':')
        || t.starts_with('(')
        || t.chars().count() > 80
    {
        return false;
    }
    let f = fold(t);
    if f.starts_with("www.") || f.contains("http") || f.contains(".com/") {
        return false;
    }
    // Mostly digits and punctuation: a phone, a date, an amount, a reference.
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    if digits > letters {
        return false;
    }
    // An address line: a postal code and town, or a street number first ("27 rue …").
    static STREET: OnceLock<Regex> = OnceLock::new();
    if postal_re().is_match(t) || re(&STREET, r"^\d+[a-zA-Z]?,?\s").is_match(t) {
        return false;
    }
    // A post-office box ("Postboks 24 Skøyen", "P.O. Box 1098", "Postfach 10 20 30").
    static PO_BOX: OnceLock<Regex> = OnceLock::new();
    if re(
        &PO_BOX,
        r"^(?:p\.?\s?o\.?\s*box|post\s*office\s*box|postboks|boks|postbox|postbus|postfach|box|case\s+postale|apartado(?:\s+de\s+correos)?|casella\s+postale|postilokero|caixa\s+postal|skrytka\s+pocztowa|bp|cp)\.?\s*(?:n[o°º]\.?\s*)?\d",
    )
    .is_match(&f)
    {
        return false;
    }
    if re(
        &NUMERIC,
        r"(?i)^(?:tel|phone|fax|mob|tél|telefon|iban|bic|swift|vat|tva|ust|gst|siret|page)\b",
    )
    .is_match(&f)
    {
        return false;
    }
    !is_label(t)
        && !f.ends_with(':')
        && !numbered_title(t)
        && !is_key_word(&f)
        && !tax_id_label_alone(&f)
}

/// Whether folded `f` is only a tax id's label ("GSTIN", "VAT No.", "Org.nr"): the label of a
/// number, not a name.
fn tax_id_label_alone(f: &str) -> bool {
    let t = f.trim().trim_end_matches([':', '.', ' ', '#']);
    vocabulary()
        .tax_id_labels
        .labels
        .iter()
        .any(|l| l.trim_end_matches('.') == t)
}

/// Keys of a party's block that name its fields, not the party (folded): "Name", "Nazwa",
/// "Adres", "Address" … — a block's first line when its values follow the keys.
pub const FIELD_KEYS: &[&str] = &[
    "name",
    "company name",
    "company",
    "nom",
    "raison sociale",
    "nombre",
    "razon social",
    "nome",
    "ragione sociale",
    "navn",
    "namn",
    "nazwa",
    "naam",
    "firma",
    "firmenname",
    "address",
    "adres",
    "adresse",
    "direccion",
    "indirizzo",
    "endereco",
    "anschrift",
];

/// Whether folded `f` is one of [`FIELD_KEYS`] alone.
fn is_key_word(f: &str) -> bool {
    FIELD_KEYS.contains(&f.trim().trim_end_matches(['.', ':']).trim())
}

/// Which label `segment` starts with: (kind, label length in chars), kind `billing`, `shipping`
/// or `issuer`. A label must be followed by `:`, the end of the segment, or (for multi-word
/// labels) a space.
pub fn label_at(segment: &str) -> Option<(&'static str, usize)> {
    let v = vocabulary();
    let f = fold(segment.trim_start());
    let lead = segment.chars().count() - segment.trim_start().chars().count();
    let mut best: Option<(&'static str, usize)> = None;
    for (kind, list) in [
        ("billing", &v.recipient_labels.billing),
        ("shipping", &v.recipient_labels.shipping),
        ("issuer", &v.issuer_labels),
    ] {
        for l in list {
            if !f.starts_with(l.as_str()) {
                continue;
            }
            let rest = f[l.len()..].chars().next();
            let colon_after = f[l.len()..].trim_start().starts_with(':');
            let ok = match rest {
                None => true,
                Some(c) if c.is_alphanumeric() => false,
                Some(_) => colon_after || l.contains(' ') || l.chars().count() > 6,
            };
            // One-word labels that are ordinary words ("to", "from", "client") need a colon.
            let ok = ok && (rest.is_none() || colon_after || l.contains(' ') || l.len() > 6);
            if ok && best.is_none_or(|(_, n)| l.chars().count() > n) {
                best = Some((kind, l.chars().count()));
            }
        }
    }
    best.map(|(k, n)| (k, n + lead))
}

pub(super) fn is_label(s: &str) -> bool {
    label_at(s).is_some_and(|(_, n)| s.chars().skip(n).all(|c| !c.is_alphanumeric()))
}

/// Text after a label of `n` chars: without the `:` and spaces.
pub(super) fn after_label(segment: &str, n: usize) -> String {
    let rest: String = segment.chars().skip(n).collect();
    rest.trim_start_matches(|c: char| c == ':' || c == '#' || c.is_whitespace())
        .trim()
        .to_string()
}

/// Clean a name: a sender line's address off ("QualityHosting AG - Uferweg 40-42 - D-63571
/// Gelnhausen"), trailing punctuation off, a trailing title word off, an OCR-garbled legal form
/// restored.
pub fn clean_name(s: &str) -> String {
    let s = sender_line(s).map_or(s, |(name, _)| name);
    let mut n = fix_legal_form(s.trim().trim_end_matches([',', ';', ':']).trim());
    // "Receipt from Notion Labs, Inc.": the title and its "from" off.
    if let Some(skip) = title_from(&n) {
        n = n.chars().skip(skip).collect::<String>().trim().to_string();
    }
    let f = fold(&n);
    for p in &vocabulary().document_kinds.folded {
        if f.ends_with(&format!(" {p}")) && has_words(&f, p) {
            let keep = n.chars().count() - p.chars().count();
            n = n.chars().take(keep).collect::<String>().trim().to_string();
            return n;
        }
    }
    n
}

/// The length in chars of a leading "<title> from " ("Receipt from", "Invoice from": e-mailed
/// receipts) in `name`, if it has one. English only: "de" / "di" / "von" after a title are
/// mostly part of it ("Ticket de caisse", "Nota di credito").
fn title_from(name: &str) -> Option<usize> {
    let f = fold(name);
    vocabulary().document_kinds.folded.iter().find_map(|p| {
        let pre = format!("{p} from ");
        f.starts_with(&pre).then(|| pre.chars().count())
    })
}

/// Whether `text` is a title with its number ("FACTURA SIMPLIFICADA N.º T-2025-004512",
/// "Invoice 2024-001"): it starts with a document kind's phrase and has a digit.
pub(super) fn numbered_title(text: &str) -> bool {
    let f = fold(text);
    text.chars().any(|c| c.is_ascii_digit())
        && vocabulary()
            .document_kinds
            .folded
            .iter()
            .any(|p| f.starts_with(&format!("{p} ")))
}

/// Whether `text` is page furniture, not a name: it opens with a document kind's title of six
/// letters or more followed by a bracket, colon, dash or a few more words ("TAX INVOICE
/// (Original for the Recipient)", "Ricevuta d'acquisto" — short title words such as "Bill" or
/// "Ticket" also open names), a page marker ("Seite 1 von 1", "Page 2 of 3") or a copy marker
/// ("Original for Recipient", "Customer copy").
pub fn is_furniture(text: &str) -> bool {
    static PAGE: OnceLock<Regex> = OnceLock::new();
    let f = fold(text.trim());
    let page = re(
        &PAGE,
        r"^(?:page|seite|pagina|pag|blatt|side|sivu|strona)\.?\s*\d+\s*(?:of|von|de|di|sur|af|/|z)\s*\d+$",
    );
    const COPIES: &[&str] = &[
        "original for",
        "duplicate for",
        "triplicate for",
        "customer copy",
        "merchant copy",
        "kundenbeleg",
        "copie client",
    ];
    if page.is_match(&f) || COPIES.iter().any(|c| f.starts_with(c)) {
        return true;
    }
    vocabulary().document_kinds.folded.iter().any(|p| {
        let rest = f.strip_prefix(p.as_str()).unwrap_or(f.as_str());
        p.chars().filter(|c| c.is_alphabetic()).count() >= 6
            && rest.len() < f.len()
            && rest.starts_with([' ', '(', ':', '-', '\''])
            && !legal_name_re().is_match(text)
            && rest.split_whitespace().count() <= 4
    })
}

/// Whether `text` is a document's title alone ("Rechnung", "INVOICE").
pub(super) fn is_title(text: &str) -> bool {
    let f = fold(text.trim());
    vocabulary().document_kinds.folded.contains(&f)
}

/// An address label at the start of `text` ("Adresse de l'installation", "Warehouse Address:
/// NO. 42/1 …", "Indirizzo: Via Roma 1"; `address_labels` in the vocabulary): the value after
/// its colon (empty when the label stands alone), or `None` when `text` is not one. A label has
/// at most four words and, standing alone, no digits ("12 Address Road" is an address).
pub(super) fn address_label(text: &str) -> Option<String> {
    let (label, value) = match text.split_once(':') {
        Some((l, v)) => (l, v.trim()),
        None if text.chars().any(|c| c.is_ascii_digit()) => return None,
        None => (text, ""),
    };
    if label.split_whitespace().count() > 4 {
        return None;
    }
    let f = fold(label);
    vocabulary()
        .address_labels
        .labels
        .iter()
        .any(|w| has_words(&f, w))
        .then(|| value.to_string())
}

/// A sender line — the one-line return address printed above an envelope window,
/// "QualityHosting AG - Uferweg 40-42 - D-63571 Gelnhausen" — as (name, address): the name
/// before the first " - " / " · " / " | ", the address after it with its parts joined by ", ".
/// `None` when the rest has no digit or the name has fewer than three letters.
pub(super) fn sender_line(s: &str) -> Option<(&str, String)> {
    let (sep, (name, rest)) = [" - ", " · ", " | "]
        .into_iter()
        .find_map(|sep| s.split_once(sep).map(|parts| (sep, parts)))?;
    (rest.chars().any(|c| c.is_ascii_digit())
        && name.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .then(|| {
            let parts: Vec<&str> = rest.split(sep).map(str::trim).collect();
            (name, parts.join(", "))
        })
}

pub(super) fn postal_re() -> &'static Regex {
    static POSTAL: OnceLock<Regex> = OnceLock::new();
    re(
        &POSTAL,
        r"(?:\b\d{4,5}\s+\p{Lu}|\b[A-Z]{1,2}\d[\dA-Z]?\s*\d[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b|\b\d{2}-\d{3}\s+\p{Lu})",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fuller_spelling_begins_with_the_name() {
        assert!(fuller("SATURN", "SATURN ELECTRO HANDELSGES.MBH"));
        assert!(fuller("Aldi", "Aldi GmbH & Co. KG"));
        assert!(fuller(
            "Rightchoice Packaging",
            "Rightchoice Packaging Company"
        ));
        assert!(!fuller("Aldi GmbH & Co. KG", "Aldi GmbH & Co. KG"));
        assert!(!fuller(
            "Packaging Rightchoice",
            "Rightchoice Packaging Company"
        ));
        assert!(!fuller(
            "Appario Retail Private Ltd",
            "For Appario Retail Private Ltd"
        ));
        assert!(!fuller("Saturn", "Mars Electro GmbH"));
        assert!(!fuller("", "Mars Electro GmbH"));
        assert!(!fuller("Contoso", "Contoso Bank LTD"));
        assert!(fuller("Contoso", "CONTOSO PVT. LIMITED"));
    }

    #[test]
    fn only_a_printed_legal_name_spells_a_trade_name_more_fully() {
        assert!(spells_more_fully("Saturn", "SATURN ELECTRO HANDELSGES.MBH"));
        assert!(spells_more_fully("Aldi", "Aldi GmbH & Co. KG"));
        assert!(spells_more_fully("Hansen", "Hansen Verwaltungs mbH"));
        assert!(spells_more_fully("Gruber", "Gruber Bau Ges.m.b.H."));
        assert!(spells_more_fully("Mydin", "MYDIN MOHAMED HOLDINGS SDN BHD"));
        assert!(spells_more_fully("Chessable", "CHESSABLE LIMITED"));
        assert!(!spells_more_fully("Aldi", "Aldi Pohlweg 110"));
        assert!(!spells_more_fully("Saturn", "Saturn"));
    }
}
