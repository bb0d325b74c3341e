//! A layout line cut into its column segments: runs of text separated by three or more spaces
//! (the layout text keeps columns apart that way), each with its starting character column.

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

/// The segments of `line`, left to right.
pub fn segments(line: &str) -> Vec<Segment> {
    let chars: Vec<char> = line.chars().collect();
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
}
