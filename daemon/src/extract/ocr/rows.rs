//! OCR's text boxes into the rows of a page. A recognised box is one piece of one text line, so
//! rows are built from whole boxes, not from their letters: two boxes are on one row when their
//! vertical centres lie within half the taller one's height of each other (as the text layer's
//! glyphs are grouped, `pdf::layout_lines`) **and** they do not overlap horizontally — two
//! boxes one above the other (a large logo over its tag line, whose boxes overlap vertically)
//! are two rows, never one row with their letters interleaved ("TEXPAECT RMOREE").

use super::TextBox;

/// Share of the narrower box's width two boxes may overlap horizontally and still be pieces of
/// one row (neighbouring words whose unclipped boxes touch).
const SIDE_BY_SIDE: f32 = 0.3;

/// Rows of `boxes` (pixels, `[left, top, right, bottom]`, y down): indices into `boxes`, rows
/// top to bottom, each row's boxes left to right.
pub fn rows(boxes: &[TextBox]) -> Vec<Vec<usize>> {
    let centre = |i: usize| (boxes[i].bbox[1] + boxes[i].bbox[3]) / 2.0;
    let height = |i: usize| (boxes[i].bbox[3] - boxes[i].bbox[1]).max(1.0);
    let apart = |i: usize, j: usize| {
        let (a, b) = (&boxes[i].bbox, &boxes[j].bbox);
        let overlap = a[2].min(b[2]) - a[0].max(b[0]);
        overlap <= SIDE_BY_SIDE * (a[2] - a[0]).min(b[2] - b[0])
    };
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| centre(a).total_cmp(&centre(b)));
    // Each row: its first box (the row's centre and height), then its members.
    let mut rows: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in order {
        let fits = |(first, members): &(usize, Vec<usize>)| {
            (centre(*first) - centre(i)).abs() <= 0.5 * height(*first).max(height(i))
                && members.iter().all(|&j| apart(i, j))
        };
        let nearest = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| fits(r))
            .min_by(|(_, a), (_, b)| {
                let d = |r: &(usize, Vec<usize>)| (centre(r.0) - centre(i)).abs();
                d(a).total_cmp(&d(b))
            })
            .map(|(k, _)| k);
        match nearest {
            Some(k) => rows[k].1.push(i),
            None => rows.push((i, vec![i])),
        }
    }
    rows.sort_by(|a, b| centre(a.0).total_cmp(&centre(b.0)));
    rows.into_iter()
        .map(|(_, mut members)| {
            members.sort_by(|&a, &b| boxes[a].bbox[0].total_cmp(&boxes[b].bbox[0]));
            members
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(bbox: [f32; 4], text: &str) -> TextBox {
        TextBox {
            bbox,
            text: text.into(),
            score: 0.9,
        }
    }

    #[test]
    fn a_logo_over_its_tag_line_is_two_rows_and_pieces_of_a_line_are_one() {
        // Boxes as PP-OCR found them on a photographed till receipt.
        let boxes = vec![
            b([440.0, 27.0, 671.0, 80.0], "EXPECT MORE. PAY LESS:"),
            b([429.0, 0.0, 671.0, 62.0], "TARGET"),
            b([542.0, 100.0, 784.0, 165.0], "EXPIRES 06/04/16"),
            b([257.0, 84.0, 552.0, 148.0], "03/06/2016 05:25 PM"),
        ];
        let text: Vec<Vec<&str>> = rows(&boxes)
            .into_iter()
            .map(|r| r.into_iter().map(|i| boxes[i].text.as_str()).collect())
            .collect();
        assert_eq!(
            text,
            vec![
                vec!["TARGET"],
                vec!["EXPECT MORE. PAY LESS:"],
                vec!["03/06/2016 05:25 PM", "EXPIRES 06/04/16"],
            ]
        );
    }
}
