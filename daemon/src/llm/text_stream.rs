//! Text handed out while it is generated (streaming), and stop sequences.
//!
//! Each decode step re-decodes the tokens so far (a token can complete a multi-byte character,
//! and tokenizers join pieces with context-dependent spaces) and hands out what is new, except:
//! a trailing U+FFFD (an incomplete UTF-8 character) waits for the next token, and a tail that
//! could be the start of a stop sequence waits until it is known not to be one. A stop sequence
//! ends the generation; the text ends before it (OpenAI `stop` semantics).

/// The state of one generation's text stream.
pub struct TextStream<'a> {
    stop: &'a [String],
    /// Bytes of the text already handed out.
    sent: usize,
    /// Where a stop sequence begins, once one appeared.
    pub stopped_at: Option<usize>,
}

impl<'a> TextStream<'a> {
    /// A stream that ends at any of `stop` (empty strings are ignored).
    pub fn new(stop: &'a [String]) -> TextStream<'a> {
        TextStream {
            stop,
            sent: 0,
            stopped_at: None,
        }
    }

    /// `text` is everything generated so far: hand out what is safe to show through `emit`.
    /// Whether a stop sequence appeared (the generation should end).
    pub fn step(&mut self, text: &str, emit: &mut dyn FnMut(&str)) -> bool {
        if self.stopped_at.is_some() {
            return true;
        }
        let first_stop = self
            .stop
            .iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| text.find(s.as_str()))
            .min();
        if let Some(at) = first_stop {
            self.emit_to(text, at, emit);
            self.stopped_at = Some(at);
            return true;
        }
        let mut safe = text.len();
        if text.ends_with('\u{fffd}') {
            safe -= '\u{fffd}'.len_utf8();
        }
        // Hold back the longest tail that is a proper prefix of a stop sequence.
        let end = safe;
        for s in self.stop.iter().filter(|s| !s.is_empty()) {
            let longest = s
                .char_indices()
                .map(|(i, _)| i)
                .filter(|&i| i > 0 && text[..end].ends_with(&s[..i]))
                .max();
            if let Some(i) = longest {
                safe = safe.min(end - i);
            }
        }
        self.emit_to(text, safe, emit);
        false
    }

    /// The generation ended with `text` (already cut at a stop sequence): hand out the rest.
    pub fn finish(&mut self, text: &str, emit: &mut dyn FnMut(&str)) {
        self.emit_to(text, text.len(), emit);
    }

    fn emit_to(&mut self, text: &str, end: usize, emit: &mut dyn FnMut(&str)) {
        // The text before `sent` can change only when a re-decode rewrites an earlier character
        // (a replacement character completed): never hand out text twice, nor split a char.
        if end > self.sent && text.is_char_boundary(self.sent) && text.is_char_boundary(end) {
            emit(&text[self.sent..end]);
            self.sent = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &[&str], stop: &[&str]) -> (String, Vec<String>, Option<usize>) {
        let stop: Vec<String> = stop.iter().map(|s| s.to_string()).collect();
        let mut s = TextStream::new(&stop);
        let mut pieces = Vec::new();
        let mut last = String::new();
        for t in steps {
            last = t.to_string();
            if s.step(t, &mut |p| pieces.push(p.to_string())) {
                break;
            }
        }
        if let Some(cut) = s.stopped_at {
            last.truncate(cut);
        }
        s.finish(&last, &mut |p| pieces.push(p.to_string()));
        (pieces.concat(), pieces, s.stopped_at)
    }

    #[test]
    fn pieces_add_up_hold_back_stop_prefixes_and_cut_at_the_stop() {
        let (all, pieces, stop) = run(&["Hel", "Hello", "Hello\u{fffd}", "Hello é"], &[]);
        assert_eq!(all, "Hello é");
        assert_eq!(pieces, vec!["Hel", "lo", " é"]);
        assert_eq!(stop, None);
        // "EN" could start "END": held back until it cannot; then the stop cuts.
        let (all, pieces, stop) = run(
            &["a E", "a EN", "a ENx", "a ENx END", "a ENx END!"],
            &["END"],
        );
        assert_eq!(all, "a ENx ");
        assert_eq!(stop, Some(6));
        assert!(pieces.iter().all(|p| !p.contains("END")), "{pieces:?}");
        let (all, _, _) = run(&["one\n\ntwo"], &["\n\n", ""]);
        assert_eq!(all, "one");
        // The longest prefix is held back ("aba" could start "abab", not only "a").
        let (all, pieces, _) = run(&["x aba", "x ababz"], &["abab"]);
        assert_eq!((all.as_str(), pieces[0].as_str()), ("x ", "x "));
    }
}
