//! Header labels and the values they introduce, in layout text: the rule reading's pick of each
//! labelled header field ([`find`]), and the label patterns the candidates of every field are
//! ranked by (`read::candidates`: [`labelled_fields`], [`number_labels`], [`find_references`]).
//!
//! - **Labels** (English, French, German, Spanish, Italian): a header field's label followed by
//!   its value on the same line (`Invoice No : # BLR_WFLD…`, `Facture n°562044387`), or, in a
//!   table-like header, the value right below the label in the next line's same columns.
//! - **Dates** in the document's conventions: ISO `2015-07-02`, day-first `02/07/2015`,
//!   `15-10-2015`, `02.07.2015` (month-first only when the document is in US dollars or the day
//!   cannot be a month), and written months (`August 3, 2014`, `02 Juillet 2015`, `20-Oct-2015`).
//! - **Amounts** `1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`, with or without currency.
//! - **Tax ids**: EU VAT numbers (country prefix and the country's length), Indian GSTIN.
//! - **Reference numbers**: order, booking, client/customer, account, company registration.

use std::sync::OnceLock;

use regex::Regex;
use rust_decimal::Decimal;

pub use super::values::{amounts_in, dates_in, parse_amount, tax_ids_in};
use serde::Serialize;
use serde_json::{json, Value};

use super::money;

/// A value found by a rule, with where it was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub value: Value,
    /// 0-based line index in the layout text.
    pub line: usize,
    /// The rule that found it (e.g. `label:invoice_number`).
    pub rule: &'static str,
}

/// Candidates per header field (`invoice_number`, `issue_date`, `due_date`, `total`,
/// `subtotal`, `tax`, `tax_id`, and `reference_numbers` as `{label, value}` objects).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Candidates {
    pub invoice_number: Option<Candidate>,
    pub issue_date: Option<Candidate>,
    pub due_date: Option<Candidate>,
    pub total: Option<Candidate>,
    pub subtotal: Option<Candidate>,
    pub tax: Option<Candidate>,
    pub tax_ids: Vec<Candidate>,
    pub reference_numbers: Vec<Candidate>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid pattern"))
}

struct Label {
    field: &'static str,
    pattern: &'static str,
}

/// Labels, most specific first within each field.
const LABELS: &[Label] = &[
    Label {
        field: "invoice_number",
        pattern: r"(?i)\b(?:invoice|inv|facture|rechnung|factura|fattura|faktura|factuur|fatura|bill|receipt|re[çc]u|recibo|ricevuta|quittung|note de crédit|credit note|credit memo|avoir|gutschrift|nota de cr[ée]dito|nota di credito|quote|quotation|estimate|devis|angebot|presupuesto|preventivo|offerte|statement|relev[ée]|remittance|avis|scontrino|ticket)(?:\s+(?:simplificada|simplifiée|simplificata|proforma|pro-forma|fiscal|commerciale|electr[óo]nica|elettronica))?\s*:?\s*(?:no\.?|nr\.?|number|num(?:ber|éro|ero)|n\.?\s*[°º]\.?|n\.|#)\s*[:.]?\s*#?\s*",
    },
    Label {
        field: "invoice_number",
        pattern: r"(?i)\b(?:rechnungsnummer|rechnungsnr\.?|belegnummer|belegnr\.?|gutschriftsnr\.?|gutschrift-nr\.?|factuurnummer|factuurnr\.?|invoice\s+id|document\s+(?:no|number)|fakturanummer|fakturanr\.?|kreditnotanummer|kreditnotanr\.?|kreditnota\s+nr\.?|laskun\s+numero|laskunumero|laskunro|fakturanumero|numer\s+faktury|nr\s+faktury|[čc][íi]slo\s+(?:faktury|dokladu)|numero\s+(?:documento|fattura)|n[úu]mero\s+(?:de\s+)?(?:la\s+)?factura|n[úu]mero\s+da\s+fatura|dok(?:umenta|umendi|umento)?\.?\s*nr\.?)\s*[:.]?\s*#?\s*",
    },
    Label {
        field: "invoice_number",
        // A bare number label opening its column: "Number:", "Nr.:", "N° :", "Número:".
        pattern: r"(?i)(?:^|\s{2,})(?:number|no\.?|nr\.?|n[°º.]\.?|num[ée]ro|número|nummer)\s*[:#]\s*",
    },
    Label {
        field: "invoice_number",
        pattern: r"^\s*#\s*",
    },
    Label {
        field: "invoice_number",
        // Document numbers of orders, quotes, receipts, statements and payment advices.
        pattern: r"(?i)\b(?:po|purchase\s+order|order|bestell|angebots|beleg|auszugs?|gutschrifts?|quote|quotation|estimate|receipt|ticket|statement|credit\s+note)\s*-?\s*(?:no\.?|nr\.?|number|nummer|n[°º.]|#)\s*[:.#]?\s*",
    },
    Label {
        field: "invoice_number",
        // Number first: "N° de commande :", "Nº pedido:", "N. ordine:".
        pattern: r"(?i)\bn(?:[°º.]|o\.?|r\.?)\s*(?:de\s+)?(?:commande|pedido|ordine|devis|facture|factura|fattura|avoir|re[çc]u|recibo|ricevuta|relev[ée]|extracto|estratto|documento|ticket)\s*:?\s*",
    },
    Label {
        field: "invoice_number",
        // A payment advice's own reference.
        pattern: r"(?i)(?:^|\s{2,})(?:reference|r[ée]f[ée]rence|referenz|referencia|riferimento)\s*:\s*",
    },
    Label {
        field: "due_date",
        pattern: r"(?i)\b(?:due\s+date|payment\s+due|due\s+by|due\s+on|pay\s+by|date\s+limite\s+de\s+paiement|échéance|echeance|fällig(?:keitsdatum)?|zahlbar\s+bis|fecha\s+de\s+vencimiento|scadenza|vervaldatum|data\s+de\s+vencimento|vencimento|forfallsdato|forfallsdag|forfall|förfallodatum|förfallodag|forfaldsdato|betalingsfrist|eräpäivä|sista\s+betalningsdag|(?:datum|d[áa]tum)\s+splatnosti|splatnos[tť]|termin\s+p[łl]atno[śs]ci)\b",
    },
    Label {
        field: "issue_date",
        pattern: r"(?i)\b(?:invoice\s+date|date\s+of\s+issue|issue\s+date|issued\s+on|bill\s+date|receipt\s+date|date\s+de\s+facture|date\s+de\s+facturation|date\s+d'émission|rechnungsdatum|ausstellungsdatum|fecha\s+de\s+factura|fecha\s+de\s+emisi[óo]n|fecha\s+factura|data\s+fattura|data\s+di\s+emissione|data\s+emissione|data\s+de\s+emiss[ãa]o|factuurdatum|fakturadato|fakturadatum|faktureringsdato|laskun\s+päivämäärä|laskupäivä|päiväys|datum\s+vystaven[íi]|d[áa]tum\s+vyhotovenia|d[áa]tum\s+vystavenia|data\s+wystawienia)\b",
    },
    Label {
        field: "issue_date",
        pattern: r"(?i)\b(?:facture|invoice|rechnung)\b[^\n]*?\b(?:du|dated|vom|del)\b",
    },
    Label {
        field: "issue_date",
        // A receipt's or a payment advice's date, after an invoice's own date labels.
        pattern: r"(?i)\b(?:date\s+paid|paid\s+on|payment\s+date)\b",
    },
    Label {
        field: "issue_date",
        pattern: r"(?i)(?:^|\s)(?:date|datum|fecha|data|dato|päivämäärä)\s*:",
    },
    Label {
        field: "total",
        pattern: r"(?i)\b(?:grand\s+total|total\s+amount\s+due|amount\s+due|total\s+due|balance\s+due|total\s+to\s+pay|total\s+ttc|montant\s+ttc|net\s+à\s+payer|somme\s+à\s+payer|total\s+à\s+payer|total\s+a\s+pagar|te\s+betalen|totaal|total\s+amount|gesamtbetrag|rechnungsbetrag|zu\s+zahlen|importe\s+total|totale\s+fattura|totale\s+documento|importo\s+totale|totale|nale[żz]no[śs][ćc]\s+og[óo][łl]em|do\s+zap[łl]aty|total\s+for\s+this\s+invoice|(?:total\s+)?invoice\s+value|total\s+facture|å\s+betale|att\s+betala|at\s+betale|totalt\s+(?:nok|sek|dkk|eur)|totalbeløp|totalbelopp|beløp\s+å\s+betale|yhteensä|maksettava|loppusumma|summe|sum\s+(?:nok|sek|dkk|eur|usd|gbp|chf)|totalsum|samaksai|kopā|kopa\s+apmaksai|iš\s+viso|mokėti|kokku|tasuda|razem|celkem|spolu|összesen|total\s+de\s+plat[ăa])\b",
    },
    Label {
        field: "total",
        pattern: r"(?i)(?:^|\s)total\b",
    },
    Label {
        field: "subtotal",
        pattern: r"(?i)\b(?:sub-?total|subtotaal|total\s+ht|montant\s+ht|net\s+amount|total\s+net|total\s+(?:excl|exkl|excluding|exclusive\s+of|hors|sans|senza|sin|zonder|sem)\.?\s*(?:vat|tax|mwst|tva|iva|btw|taxes)?|(?:total\s+)?(?:charges\s+)?before\s+(?:vat|tax)|amount\s+untaxed|zwischensumme|nettobetrag|netto|base\s+imponible|total\s+parcial|imponibile|total\s+il[íi]quido|base\s+tribut[áa]vel|total\s+netto|sum\s+eks\.?\s*mva|eks\.?\s*mva|ekskl\.?\s*mva|exkl\.?\s*moms|ekskl\.?\s*moms|(?:belopp|summa|bel[øo]b|bel[øo]p|sum)\s+f[öøo]re?\s+(?:moms|mva)|nettobeløp|nettobelopp|veroton)\b",
    },
    Label {
        field: "tax",
        pattern: r"(?i)\b(?:total\s+tax|total\s+vat|tax\s+amount|vat\s+amount|montant\s+tva|total\s+tva|mwst\.?|umsatzsteuer|iva|total\s+impuestos|impuestos|sales\s+tax|totalt\s+mva\.?|mva\s+beløp|moms|alv|arvonlisävero)\b",
    },
    Label {
        field: "tax",
        pattern: r"(?i)^\s*(?:tax|vat|tva|gst|hst|pst|qst|ust|mwst|iva|btw|taxes|mva|moms|alv)\b",
    },
];

/// The label reported for a credit note's credited invoice among the reference numbers.
pub const CREDITED_INVOICE: &str = "Credited invoice";

/// Reference-number labels and the label reported for them.
const REFERENCES: &[(&str, &str)] = &[
    (r"(?i)\border\s*(?:id|no\.?|number|#)\s*[:.]?\s*", "Order"),
    (
        r"(?i)\bbooking\s*(?:id|no\.?|number|reference)\s*[:.]?\s*",
        "Booking",
    ),
    (
        r"(?i)\b(?:client|customer)\s*(?:id|no\.?|number|#)\s*[:.]?\s*",
        "Customer",
    ),
    (r"(?i)\bid\.?\s*client\s*[:.]?\s*", "Customer"),
    (
        r"(?i)\b(?:n[°º]|numéro)\s*(?:de\s+)?client\s*[:.]?\s*",
        "Customer",
    ),
    (r"(?i)\baccount\s*(?:number|no\.?|#)\s*[:.]?\s*", "Account"),
    (r"(?i)\bkundennummer\s*[:.]?\s*", "Customer"),
    (r"(?i)\bbestellnummer\s*[:.]?\s*", "Order"),
    // A credit note's credited invoice ("Kreditert faktura", "Original invoice No."): a
    // reference, never the credit note's own number.
    (
        r"(?i)\b(?:(?:credited|original|corrected|referenced)\s+invoice|krediter(?:t|ad|et)\s+faktura|(?:bezugs|ursprungs)rechnung|gutschrift\s+zur?\s+rechnung|facture\s+(?:d'origine|initiale|rectifi[ée]e)|factura\s+(?:rectificada|original))(?:\s*(?:no\.?|nr\.?|number|nummer|n[°º]\.?|#))?\s*[:.]?\s*",
        CREDITED_INVOICE,
    ),
    (r"(?i)\bCIN\s*[:.]?\s*", "CIN"),
    (r"(?i)\bSIRET\s*[:.]?\s*", "SIRET"),
];

fn compiled(patterns: &[&'static str]) -> Vec<Regex> {
    patterns
        .iter()
        .map(|p| Regex::new(p).expect("valid label"))
        .collect()
}

fn label_regexes() -> &'static Vec<Regex> {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| compiled(&LABELS.iter().map(|l| l.pattern).collect::<Vec<_>>()))
}

fn reference_regexes() -> &'static Vec<Regex> {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| compiled(&REFERENCES.iter().map(|r| r.0).collect::<Vec<_>>()))
}

/// An identifier token at the start of `s`: letters/digits with `-_/.`, containing a digit; or
/// a series code and its number ("FT 2025/118", Portuguese invoices); or digit groups that fill
/// their column ("8812 3344 5566").
pub fn id_token(s: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    static SERIES: OnceLock<Regex> = OnceLock::new();
    static GROUPS: OnceLock<Regex> = OnceLock::new();
    if let Some(m) = re(&SERIES, r"^[A-Z]{1,4} [0-9][0-9/\-]*[0-9]\b").find(s.trim_start()) {
        return Some(m.as_str().to_string());
    }
    // Digit groups up to the column's end: "8812 3344 5566" (an account number).
    if let Some(c) =
        re(&GROUPS, r"^([0-9]{2,}(?: [0-9]{2,})+)(?:\s{2,}|\s*$)").captures(s.trim_start())
    {
        return Some(c[1].to_string());
    }
    let m = re(&R, r"^[A-Za-z0-9][A-Za-z0-9_\-/.]*[A-Za-z0-9]|^[0-9]").find(s.trim_start())?;
    let t = m.as_str().trim_end_matches('.');
    (t.chars().any(|c| c.is_ascii_digit()) && t.len() >= 3).then(|| t.to_string())
}

/// The text after a label: the closing bracket, colon, `#` or `.` that end a label ("Daňový
/// doklad č. (Invoice No): 2406000590", "No.: 17") skipped with the spaces around them.
pub fn after_label(rest: &str) -> &str {
    rest.trim_start_matches(|c: char| c.is_whitespace() || "):.#]".contains(c))
}

/// The text in `next` under the columns `[start, end)` of the line above (char columns),
/// widened to the word it falls in.
pub fn below(next: &str, start: usize, end: usize) -> Option<String> {
    let chars: Vec<char> = next.chars().collect();
    if start >= chars.len() {
        return None;
    }
    let mut a = start.min(chars.len() - 1);
    while a > 0 && !chars[a].is_whitespace() && !chars[a - 1].is_whitespace() {
        a -= 1;
    }
    while a < chars.len() && chars[a].is_whitespace() && a < end {
        a += 1;
    }
    let mut b = a;
    while b < chars.len()
        && !(chars[b].is_whitespace() && chars.get(b + 1).is_some_and(|c| c.is_whitespace()))
    {
        b += 1;
    }
    let s: String = chars[a..b].iter().collect();
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Find the candidates in `text` (layout text). `month_first` for US-style numeric dates.
pub fn find(text: &str, month_first: bool) -> Candidates {
    let lines: Vec<&str> = text.lines().collect();
    let mut c = Candidates::default();
    // Labels, in priority order: each pattern over all lines before the next pattern.
    for (li, label) in LABELS.iter().enumerate() {
        let r = &label_regexes()[li];
        for (i, line) in lines.iter().enumerate() {
            // "Total exkl. MWST  990.00" is the subtotal, neither the total nor the tax.
            if matches!(label.field, "total" | "tax") && is_subtotal_line(line)
                || label.field == "total" && is_tax_total_line(line)
            {
                continue;
            }
            if let Some(m) = r.find(line) {
                // "Total Qty: 2" counts things: no money label; nor is an amount in words
                // ("Invoice Value (In words): Five hundred …").
                if matches!(label.field, "total" | "subtotal") && counts_after(&line[m.end()..])
                    || matches!(label.field, "total" | "subtotal" | "tax") && in_words(line)
                {
                    continue;
                }
                labelled_value(
                    &mut c,
                    label.field,
                    &lines,
                    i,
                    without_leading_space(line, m.start(), m.end()),
                    month_first,
                );
            }
        }
    }
    for (i, line) in lines.iter().enumerate() {
        for id in tax_ids_in(line) {
            if !c.tax_ids.iter().any(|t| t.value == json!(id)) {
                c.tax_ids.push(Candidate {
                    value: json!(id),
                    line: i,
                    rule: "pattern:tax_id",
                });
            }
        }
        references(&mut c, &lines, i);
    }
    c
}

/// The header fields whose labels occur in `text` (a line or a part of one), each once, in the
/// order of [`LABELS`]; a subtotal label hides the total and tax labels it contains ("Total
/// exkl. MWST" is a subtotal).
pub fn labelled_fields(text: &str) -> Vec<&'static str> {
    let subtotal = is_subtotal_line(text);
    let tax_total = is_tax_total_line(text);
    let mut out: Vec<&'static str> = Vec::new();
    for (l, r) in LABELS.iter().zip(label_regexes()) {
        if subtotal && matches!(l.field, "total" | "tax")
            || l.field == "total" && tax_total
            || out.contains(&l.field)
        {
            continue;
        }
        if r.is_match(text) {
            out.push(l.field);
        }
    }
    out
}

/// Every invoice-number label on `line`: (pattern rank, byte span of the label), most specific
/// pattern first.
pub fn number_labels(line: &str) -> Vec<(usize, (usize, usize))> {
    LABELS
        .iter()
        .zip(label_regexes())
        .filter(|(l, _)| l.field == "invoice_number")
        .enumerate()
        .flat_map(|(rank, (_, r))| {
            r.find_iter(line)
                .map(move |m| (rank, without_leading_space(line, m.start(), m.end())))
        })
        .collect()
}

/// The byte span `start..end` of a label match in `line` without the spaces it opens with: a
/// label that must open its column (`(?:^|\s{2,})Reference:`) starts at its first letter, so the
/// value under it is looked for under the label, not under the gap before it.
fn without_leading_space(line: &str, start: usize, end: usize) -> (usize, usize) {
    let m = &line[start..end];
    (start + m.len() - m.trim_start().len(), end)
}

/// Whether a subtotal label is on `line`.
fn is_subtotal_line(line: &str) -> bool {
    LABELS
        .iter()
        .zip(label_regexes())
        .any(|(l, r)| l.field == "subtotal" && r.is_match(line))
}

/// Whether `text` says its amount is written in words ("Amount (in words):", "Rupees in
/// words"): no figure to read there.
pub fn in_words(text: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"(?i)\bin\s+words\b").is_match(text)
}

/// Whether `line` labels the total of the taxes ("Total VAT", "TOTAL IMPUESTOS", "Tax total"):
/// the tax, not the document's total, though "Total" opens it.
fn is_tax_total_line(line: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\btotal\s+(?:tax|taxes|vat|tva|iva|igv|impuestos|gst|mwst|btw|moms|mva)\b|\b(?:tax|vat|gst)\s+total\b",
    )
    .is_match(line)
}

/// Keep `v` in `slot` unless an earlier (higher-priority) label already filled it.
fn set(slot: &mut Option<Candidate>, v: Value, line: usize, rule: &'static str) {
    if slot.is_none() {
        *slot = Some(Candidate {
            value: v,
            line,
            rule,
        });
    }
}

/// The value after (or under) the label of `field` found at byte span `m` of line `i`.
fn labelled_value(
    c: &mut Candidates,
    field: &str,
    lines: &[&str],
    i: usize,
    m: (usize, usize),
    month_first: bool,
) {
    let line = lines[i];
    let rest = &line[m.1..];
    let col = line[..m.0].chars().count();
    let col_end = line[..m.1].chars().count();
    let under = lines.get(i + 1).and_then(|n| below(n, col, col_end));
    match field {
        "invoice_number" => {
            let under = under.as_deref().and_then(id_token);
            if let Some(v) = id_token(after_label(rest)).or(under) {
                set(&mut c.invoice_number, json!(v), i, "label:invoice_number");
            }
        }
        "issue_date" | "due_date" => {
            let d = dates_in(rest, month_first).into_iter().next().or_else(|| {
                under
                    .as_deref()
                    .and_then(|u| dates_in(u, month_first).into_iter().next())
            });
            if let Some(d) = d {
                let slot = if field == "issue_date" {
                    &mut c.issue_date
                } else {
                    &mut c.due_date
                };
                set(slot, json!(d), i, "label:date");
            }
        }
        field => {
            // The last amount on the line is the total of a `label … amount` row; with its
            // cents apart ("Total $9,360 00", an OCR that lost the point) the whole of it.
            let spans = crate::extract::values::amount_spans(rest);
            let Some(last) = spans.last() else {
                return;
            };
            let a = crate::extract::values::cents_apart_spans(rest)
                .into_iter()
                .find(|w| w.start < last.start && w.end == last.end)
                .map_or(last.value, |w| w.value);
            // A tax above the total is an id printed after a tax label ("VAT/TIN:
            // 29670869006"), not an amount; so is a tax that is not money ("VAT Reg No: GB 123
            // 4567 89").
            let total = c.total.as_ref().and_then(|t| money::decimal(&t.value));
            if field == "tax"
                && (a.abs() >= Decimal::from(10_000_000)
                    || total.is_some_and(|t| a.abs() > t.abs())
                    || !crate::extract::values::states_money(rest))
            {
                return;
            }
            let slot = match field {
                "total" => &mut c.total,
                "subtotal" => &mut c.subtotal,
                _ => &mut c.tax,
            };
            set(slot, money::to_json(a), i, "label:amount");
        }
    }
}

/// Whether the words right after a "Total" label count things ("Total Qty:", "Total Items"),
/// so the label names no amount.
fn counts_after(rest: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)^\s*(?:qty|quantity|quantities|items?|pieces|pcs|units|weight|articles|menge|anzahl)\b",
    )
    .is_match(rest)
}

/// Reference numbers (order, booking, customer, account, registration) labelled on line `i` of
/// `lines`: (label reported, value), in label order.
pub fn find_references(lines: &[&str], i: usize) -> Vec<(&'static str, String)> {
    let line = lines[i];
    let mut out = Vec::new();
    for (k, r) in reference_regexes().iter().enumerate() {
        for m in r.find_iter(line) {
            let col = line[..m.start()].chars().count();
            let col_end = line[..m.end()].chars().count();
            // The value after the label, or under it: on the next line, or the one after when
            // the next is blank under the label (a neighbouring block's line between).
            let under = |k: usize| lines.get(k).and_then(|n| below(n, col, col_end));
            let v = id_token(&line[m.end()..]).or_else(|| match under(i + 1) {
                Some(s) => id_token(&s),
                None => under(i + 2).as_deref().and_then(id_token),
            });
            if let Some(v) = v {
                out.push((REFERENCES[k].1, v));
            }
        }
    }
    out
}

/// Reference numbers labelled on line `i`, added to `c` (each value once, at most six).
fn references(c: &mut Candidates, lines: &[&str], i: usize) {
    for (label, v) in find_references(lines, i) {
        let known = c
            .reference_numbers
            .iter()
            .any(|r| r.value["value"] == json!(v));
        if !known && c.reference_numbers.len() < 6 {
            c.reference_numbers.push(Candidate {
                value: json!({"label": label, "value": v}),
                line: i,
                rule: "label:reference",
            });
        }
    }
}

#[cfg(test)]
mod tests;
