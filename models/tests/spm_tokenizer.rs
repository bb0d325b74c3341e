//! The `tokenizer.json` synthesized for SentencePiece GGUF vocabularies (`tokenizer.ggml.model =
//! "llama"`), loaded by the `tokenizers` crate, against a direct implementation of llama.cpp's
//! SPM algorithm (`llm_tokenizer_spm`): highest-score adjacent merge first (leftmost on ties),
//! then byte fallback to `<0xXX>`, else `<unk>`. Vocabularies and strings are pseudo-random but
//! seeded, so a failure reproduces.

use std::collections::HashMap;

use zopilot_models::tokenizer::spm_json;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Vocab {
    tokens: Vec<String>,
    scores: Vec<f32>,
    types: Vec<i64>,
}

/// `<unk>`, `<s>`, `</s>`, the 256 byte tokens, then single characters and random substrings of
/// a few words (with and without the `▁` prefix), scores random and distinct.
fn vocab(rng: &mut Rng) -> Vocab {
    let mut tokens: Vec<String> = vec!["<unk>".into(), "<s>".into(), "</s>".into()];
    let mut types = vec![2, 3, 3];
    for b in 0..=255u8 {
        tokens.push(format!("<0x{b:02X}>"));
        types.push(6);
    }
    let words = [
        "invoice", "total", "amount", "due", "rechnung", "betrag", "über", "façade", "net", "tax",
        "12", "2024", "€", "▁", "vat", "no",
    ];
    let mut pieces: Vec<String> = "abcdefghilmnorstuvxüç0124▁€"
        .chars()
        .map(String::from)
        .collect();
    for w in words {
        for prefixed in [w.to_string(), format!("▁{w}")] {
            let chars: Vec<char> = prefixed.chars().collect();
            for _ in 0..6 {
                let a = rng.below(chars.len());
                let b = a + 1 + rng.below(chars.len() - a);
                pieces.push(chars[a..b].iter().collect());
            }
            pieces.push(prefixed);
        }
    }
    pieces.sort();
    pieces.dedup();
    let mut scores = vec![0.0; tokens.len()];
    for p in pieces {
        if tokens.contains(&p) {
            continue;
        }
        tokens.push(p);
        types.push(1);
        scores.push(-(rng.below(1_000_000) as f32) / 1000.0);
    }
    Vocab {
        tokens,
        scores,
        types,
    }
}

/// llama.cpp's SPM tokenization of `text` (no special-token parsing).
fn llama_cpp_spm(v: &Vocab, text: &str, add_space_prefix: bool) -> Vec<u32> {
    let ids: HashMap<&str, usize> = v
        .tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| v.types[*i] == 1)
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut s = String::new();
    if add_space_prefix {
        s.push(' ');
    }
    s.push_str(text);
    let s = s.replace(' ', "▁");
    let mut sym: Vec<String> = s.chars().map(String::from).collect();
    loop {
        let mut best: Option<(f32, usize)> = None;
        for i in 0..sym.len().saturating_sub(1) {
            let m = format!("{}{}", sym[i], sym[i + 1]);
            if let Some(&id) = ids.get(m.as_str()) {
                let sc = v.scores[id];
                if best.is_none_or(|(b, _)| sc > b) {
                    best = Some((sc, i));
                }
            }
        }
        let Some((_, i)) = best else { break };
        let right = sym.remove(i + 1);
        sym[i].push_str(&right);
    }
    let mut out = Vec::new();
    for p in sym {
        if let Some(&id) = ids.get(p.as_str()) {
            out.push(id as u32);
        } else {
            for b in p.bytes() {
                let t = format!("<0x{b:02X}>");
                match v.tokens.iter().position(|x| *x == t) {
                    Some(id) => out.push(id as u32),
                    None => out.push(0),
                }
            }
        }
    }
    out
}

fn tokenizer(v: &Vocab, add_space_prefix: bool) -> tokenizers::Tokenizer {
    let json = spm_json(&v.tokens, &v.scores, &v.types, Some(0), add_space_prefix).unwrap();
    tokenizers::Tokenizer::from_bytes(serde_json::to_vec(&json).unwrap()).unwrap()
}

#[test]
fn synthesized_spm_tokenizer_matches_llama_cpp_algorithm() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let alphabet: Vec<char> = "abcdefghilmnorstuvxüç0124€ ,.-:Zß\n✓".chars().collect();
    let mut checked = 0;
    for round in 0..4 {
        let v = vocab(&mut rng);
        for prefix in [true, false] {
            let tok = tokenizer(&v, prefix);
            for _ in 0..150 {
                let len = 1 + rng.below(40);
                let text: String = (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect();
                let want = llama_cpp_spm(&v, &text, prefix);
                let got = tok.encode(text.as_str(), false).unwrap().get_ids().to_vec();
                assert_eq!(
                    got, want,
                    "round {round}, add_space_prefix {prefix}, text {text:?}"
                );
                checked += 1;
            }
            // Real words, where merges matter most.
            for text in [
                "invoice total amount due",
                "Rechnung über Betrag: 2024",
                "net tax vat no 12€",
            ] {
                let want = llama_cpp_spm(&v, text, prefix);
                let got = tok.encode(text, false).unwrap().get_ids().to_vec();
                assert_eq!(got, want, "{text:?}");
            }
        }
    }
    assert_eq!(checked, 1200);
}

#[test]
fn spm_special_tokens_and_decoding() {
    let mut rng = Rng(7);
    let v = vocab(&mut rng);
    let tok = tokenizer(&v, true);
    // <s> is CONTROL: parsed as special, never produced from plain text by merges.
    let ids = tok.encode("<s>invoice", false).unwrap().get_ids().to_vec();
    assert_eq!(ids[0], 1);
    assert_eq!(&ids[1..], llama_cpp_spm(&v, "invoice", true).as_slice());
    // Decoding undoes ▁, byte fallback and the space prefix.
    let text = "Zß über ✓ 2024";
    let enc = tok.encode(text, false).unwrap();
    assert_eq!(tok.decode(enc.get_ids(), false).unwrap(), text);
}
