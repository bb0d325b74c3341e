//! Turning a page upright before OCR: a receipt photographed lying sideways or a page scanned
//! upside down is read as almost nothing, because the recogniser reads horizontal lines only.
//!
//! The orientation is decided on the page itself, in two steps:
//! 1. **90° or 270°** by text-line geometry: the detector ([`super::det`], DB) finds text lines
//!    whatever their direction, and on a page turned by a quarter the lines are tall instead of
//!    wide. When the tall boxes outweigh the wide ones (by their long side, at least
//!    [`QUARTER_RATIO`] : 1), the page is turned 90° clockwise and detected again.
//! 2. **180°** by the text-direction classifier ([`super::cls`]) voting over the widest
//!    [`SAMPLE_LINES`] lines: the page is turned over when at least [`MIN_VOTES`] lines read
//!    upside down and they outnumber the upright ones [`HALF_RATIO`] : 1.
//!
//! This is PaddleOCR's document-orientation idea (a page-level decision from its lines, e.g.
//! PP-LCNet `doc_ori`) built from the line detector and line classifier we already run, so no
//! other model is needed.

use anyhow::Result;
use image::RgbImage;
use ort::session::Session;

/// Tall boxes must outweigh wide ones this many times for a quarter turn.
pub const QUARTER_RATIO: f32 = 2.0;
/// Lines sampled for the 180° vote (the widest ones: they carry the most text).
pub const SAMPLE_LINES: usize = 24;
/// Fewest upside-down lines that can turn a page over.
pub const MIN_VOTES: usize = 3;
/// Upside-down lines must outnumber upright ones this many times.
pub const HALF_RATIO: f32 = 1.5;
/// A line is "upside down" or "upright" for the vote when the classifier is this sure.
const SURE: f32 = 0.7;

/// A page turned upright, with the boxes detected on it.
pub struct Upright {
    pub image: RgbImage,
    /// Clockwise degrees the page was turned: 0, 90, 180 or 270.
    pub degrees: u16,
    /// Text boxes of `image` (`[left, top, right, bottom]` pixels).
    pub boxes: Vec<[f32; 4]>,
}

/// (tall, wide) weights of `boxes`: the long side of each box clearly taller or wider than it
/// is wide or tall (1.5 : 1).
pub fn tall_and_wide(boxes: &[[f32; 4]]) -> (f32, f32) {
    let (mut tall, mut wide) = (0.0, 0.0);
    for b in boxes {
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        if h > 1.5 * w {
            tall += h;
        } else if w > 1.5 * h {
            wide += w;
        }
    }
    (tall, wide)
}

/// Whether the lines' geometry says the page lies on its side.
pub fn on_its_side(boxes: &[[f32; 4]]) -> bool {
    let (tall, wide) = tall_and_wide(boxes);
    tall > 0.0 && tall >= QUARTER_RATIO * wide
}

/// Whether the classifier's per-line upside-down probabilities turn the page over.
pub fn upside_down(probabilities: &[f32]) -> bool {
    let down = probabilities.iter().filter(|p| **p >= SURE).count();
    let up = probabilities.iter().filter(|p| **p <= 1.0 - SURE).count();
    down >= MIN_VOTES && down as f32 >= HALF_RATIO * up as f32
}

/// `img` turned upright (see the module documentation), with its detected boxes.
///
/// Errors: ONNX Runtime fails to run the detector or the classifier.
pub fn upright(det: &mut Session, cls: &mut Session, img: RgbImage) -> Result<Upright> {
    let mut image = img;
    let mut degrees = 0u16;
    let mut boxes = super::det::detect(det, &image)?;
    if on_its_side(&boxes) {
        image = image::imageops::rotate90(&image);
        degrees = 90;
        boxes = super::det::detect(det, &image)?;
    }
    let mut widest: Vec<&[f32; 4]> = boxes
        .iter()
        .filter(|b| b[2] - b[0] > 2.0 * (b[3] - b[1]))
        .collect();
    widest.sort_by(|a, b| (b[2] - b[0]).total_cmp(&(a[2] - a[0])));
    widest.truncate(SAMPLE_LINES);
    let crops: Vec<RgbImage> = widest.iter().map(|b| super::det::crop(&image, b)).collect();
    if upside_down(&super::cls::upside_down(cls, &crops)?) {
        image::imageops::rotate180_in_place(&mut image);
        degrees = (degrees + 180) % 360;
        let (w, h) = (image.width() as f32, image.height() as f32);
        boxes = boxes
            .into_iter()
            .map(|b| [w - b[2], h - b[3], w - b[0], h - b[1]])
            .collect();
    }
    Ok(Upright {
        image,
        degrees,
        boxes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tall_lines_mean_a_page_on_its_side() {
        let wide = [[10.0, 10.0, 300.0, 30.0], [10.0, 40.0, 250.0, 60.0]];
        let tall = [
            [10.0, 10.0, 30.0, 300.0],
            [40.0, 10.0, 60.0, 250.0],
            [70.0, 5.0, 85.0, 20.0],
        ];
        assert!(!on_its_side(&wide));
        assert!(on_its_side(&tall));
        assert!(!on_its_side(&[]));
        // A page of mostly wide lines with a vertical margin note stays as it is.
        let mut mixed = wide.to_vec();
        mixed.push([500.0, 0.0, 515.0, 400.0]);
        assert!(!on_its_side(&mixed));
    }

    #[test]
    fn a_page_turns_over_only_on_a_clear_vote() {
        assert!(upside_down(&[0.95, 0.9, 0.99, 0.1]));
        assert!(!upside_down(&[0.95, 0.9, 0.1, 0.2, 0.05]), "outvoted");
        assert!(!upside_down(&[0.95, 0.9]), "too few lines");
        assert!(
            !upside_down(&[0.5, 0.6, 0.55, 0.5]),
            "unsure lines do not vote"
        );
    }
}
