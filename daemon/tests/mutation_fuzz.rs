//! A bounded mutation fuzzer on stable Rust, run with the test suite: corpus documents mutated
//! (bit flips, byte overwrites, truncations, splices, duplicated blocks) are fed to every
//! document entry point — type detection, e-invoice XML, the PDF attachment walk, DOCX/XLSX,
//! the field rules — and none may panic. The deeper coverage-guided runs are the `cargo fuzz`
//! targets in `fuzz/` (`fuzz/run.sh`).

#[path = "../../tests/support/mod.rs"]
mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use support::Rng;
use zopilot::extract::{candidates, detect, einvoice, office, read};

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        if v.is_empty() {
            v.push(rng.next() as u8);
        }
        match rng.below(6) {
            0 => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(v.len());
                v[i] = [0u8, 0xff, b'<', b'>', b'/', b'0', b'(', b'\n'][rng.below(8)];
            }
            2 => v.truncate(rng.below(v.len())),
            3 => {
                let (a, n) = (rng.below(other.len()), rng.below(256));
                let at = rng.below(v.len());
                let chunk: Vec<u8> = other.iter().skip(a).take(n).copied().collect();
                v.splice(at..at, chunk);
            }
            4 => {
                let (a, n) = (rng.below(v.len()), rng.below(64));
                let chunk: Vec<u8> = v.iter().skip(a).take(n).copied().collect();
                let at = rng.below(v.len());
                v.splice(at..at, chunk);
            }
            _ => {
                let (a, n) = (rng.below(v.len()), rng.below(64));
                let end = (a + n).min(v.len());
                v.drain(a..end);
            }
        }
    }
    v
}

fn seeds() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for folder in ["xml", "pdf"] {
        for e in std::fs::read_dir(support::corpus(folder))
            .unwrap()
            .flatten()
        {
            files.push(std::fs::read(e.path()).unwrap());
        }
    }
    files.push(
        std::fs::read(support::repo_root().join("tests/fixtures/encrypted-invoice.pdf")).unwrap(),
    );
    files.push(support::pdf_with_attachment(
        "factur-x.xml",
        &std::fs::read(support::corpus("xml/factur-x-basic.xml")).unwrap(),
    ));
    files
}

#[test]
fn mutated_documents_never_panic_an_entry_point() {
    let seeds = seeds();
    let mut rng = Rng(0x0f00_dbad_c0ff_ee11);
    let rounds = std::env::var("MUTATION_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    for round in 0..rounds {
        let s = &seeds[rng.below(seeds.len())];
        let o = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, s, o);
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _ = detect("invoice.pdf", &input);
            let _ = einvoice::parse(&input);
            let _ = einvoice::embedded::invoice_xml(&input);
            let _ = office::docx_text(&input);
            let _ = office::xlsx_text(&input);
            let text = String::from_utf8_lossy(&input);
            let _ = candidates::find(&text, round % 2 == 0);
            let reading = read::document::read(&text, &[], Some("US"));
            let _ = read::candidates::propose(&text, &reading);
        }));
        if r.is_err() {
            let path = std::env::temp_dir().join(format!("zopilot-fuzz-crash-{round}.bin"));
            std::fs::write(&path, &input).unwrap();
            panic!("round {round} panicked; input saved to {}", path.display());
        }
    }
}

/// The books importers (CSV, XLSX, IIF, rates) on mutated exports: an error or entries, never a
/// panic.
#[test]
fn mutated_books_exports_never_panic_the_importers() {
    let dir = support::repo_root().join("tests/fixtures/books");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "csv" || x == "xlsx")
        })
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    seeds.push(
        b"!ACCNT\tNAME\tREFNUM\tACCNTTYPE\nACCNT\tTravel\t1\tEXP\n!VEND\tNAME\nVEND\tAcme\n"
            .to_vec(),
    );
    let mut rng = Rng(0x5eed_b00c_5eed_b00c);
    for round in 0..600 {
        let s = &seeds[rng.below(seeds.len())];
        let o = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, s, o);
        let r = catch_unwind(AssertUnwindSafe(|| {
            for name in ["list.csv", "list.xlsx", "list.iif"] {
                let _ = zopilot::books::read_bytes(name, &input);
            }
            let _ = zopilot::books::rates::read(&String::from_utf8_lossy(&input));
        }));
        if r.is_err() {
            let path = std::env::temp_dir().join(format!("zopilot-books-crash-{round}.bin"));
            std::fs::write(&path, &input).unwrap();
            panic!("round {round} panicked; input saved to {}", path.display());
        }
    }
}
