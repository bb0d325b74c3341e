//! A layout line cut into its column segments: runs of text separated by three or more spaces
//! (the layout text keeps columns apart that way), each with its starting character column.
//! Dot leaders ("Razón social: Ayala … . . . . . R.I.F.:", "Total ........ 12.00") separate
//! columns as blank space does: [`without_leaders`].

/// One segment: starting char column and text (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub col: usize,
    pub text: String,
}

impl Segment {
    /// Char column just after the segment.
    pub fn end(&self) -> usize {
        self.col + self.text.chars().count()
    }
}

/// Dots in a run of at least four leader dots ('.', '·' or '…', with at most one space between
/// two) as spaces: a form's fill between a label and its value, or after a value. An ellipsis
/// ("...") and the dots of numbers and abbreviations stay.
pub fn without_leaders(chars: &[char]) -> Vec<char> {
    let dot = |c: char| matches!(c, '.' | '·' | '…');
    let mut out = chars.to_vec();
    let mut i = 0;
    while i < chars.len() {
        if !dot(chars[i]) {
            i += 1;
            continue;
        }
        // The run: dots, each followed by at most one space before the next dot.
        let (start, mut end, mut dots) = (i, i + 1, 1);
        loop {
            let next = if chars.get(end) == Some(&' ') {
                end + 1
            } else {
                end
            };
            if chars.get(next).is_some_and(|&c| dot(c)) {
                dots += 1;
                end = next + 1;
            } else {
                break;
            }
        }
        if dots >= 4 {
            for c in &mut out[start..end] {
                *c = ' ';
            }
        }
        i = end;
    }
    out
}

/// The segments of `line`, left to right.
pub fn segments(line: &str) -> Vec<Segment> {
    let chars = without_leaders(&line.chars().collect::<Vec<char>>());
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        let mut end = i;
        while i < chars.len() {
            if chars[i].is_whitespace() {
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j - i >= 3 || j >= chars.len() {
                    break;
                }
                i = j;
            } else {
                i += 1;
                end = i;
            }
        }
        out.push(Segment {
            col: start,
            text: chars[start..end].iter().collect(),
        });
    }
    out
}

/// The segment of `line` that covers char column `col` (or starts within `slack` of it).
pub fn at_column(line: &str, col: usize, slack: usize) -> Option<Segment> {
    segments(line)
        .into_iter()
        .find(|s| (s.col <= col + slack && s.end() > col) || s.col.abs_diff(col) <= slack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_split_on_wide_gaps() {
        let s = segments(" Bill To:                Ship To:   x");
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].col, s[0].text.as_str()), (1, "Bill To:"));
        assert_eq!((s[1].col, s[1].text.as_str()), (25, "Ship To:"));
        assert_eq!(
            at_column(" Taylor Riddel           Taylor's Store", 25, 2)
                .unwrap()
                .text,
            "Taylor's Store"
        );
    }

    #[test]
    fn dot_leaders_separate_columns_and_other_dots_stay() {
        let s = segments(" Razón social: Ayala Usureros . . . . . . . . R.I.F.: Y-12.345.678-9");
        let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Razón social: Ayala Usureros", "R.I.F.: Y-12.345.678-9"]
        );
        let s = segments("Total.............12.00");
        assert_eq!(
            s.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
            ["Total", "12.00"]
        );
        let s = segments("Wait... 1.000.000 U.S.A. ok");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "Wait... 1.000.000 U.S.A. ok");
    }
}
