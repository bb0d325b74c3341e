//! Text detection with a DB (Differentiable Binarization) model: the network predicts a
//! per-pixel text probability map; we binarize it (threshold 0.3), dilate by a 2×2 kernel,
//! label connected regions (8-connectivity), split a region the map joined across two text
//! lines at the rows where it thins to a stroke ([`lines_of`]), score each line by its mean
//! probability (keep ≥ 0.5), and expand ("unclip") its box by `d = area · 1.6 / perimeter` — the offset DB's
//! shrunk training targets imply. Boxes are axis-aligned: documents are upright after the
//! EXIF and 0°/180° corrections, and small skew only widens a box.
//!
//! Input sizing as PaddleOCR's `DetResizeForTest` (limit type `min`, 736) after capping the
//! long side at 2000 px; sides rounded to multiples of 32.

use anyhow::{anyhow, Result};
use image::imageops::FilterType;
use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

const THRESH: f32 = 0.3;
const BOX_THRESH: f32 = 0.5;
const UNCLIP: f32 = 1.6;
const LIMIT_MIN_SIDE: u32 = 736;
const MAX_SIDE: u32 = 2000;
const MIN_SIZE: f32 = 3.0;

/// Size the detector sees for an image of `w × h`.
pub fn input_size(w: u32, h: u32) -> (u32, u32) {
    let mut s = 1.0f32;
    if w.max(h) > MAX_SIDE {
        s = MAX_SIDE as f32 / w.max(h) as f32;
    }
    let (sw, sh) = (w as f32 * s, h as f32 * s);
    if sw.min(sh) < LIMIT_MIN_SIDE as f32 {
        let r = LIMIT_MIN_SIDE as f32 / sw.min(sh);
        // Do not push the long side far past the cap for very elongated images.
        let r = r.min(MAX_SIDE as f32 * 1.5 / sw.max(sh)).max(1.0);
        return (round32(sw * r), round32(sh * r));
    }
    (round32(sw), round32(sh))
}

fn round32(v: f32) -> u32 {
    ((v / 32.0).round() as u32).max(1) * 32
}

/// Boxes `[left, top, right, bottom]` in `img` pixels.
pub fn detect(session: &mut Session, img: &RgbImage) -> Result<Vec<[f32; 4]>> {
    let (w, h) = (img.width(), img.height());
    let (iw, ih) = input_size(w, h);
    let resized = image::imageops::resize(img, iw, ih, FilterType::Triangle);
    let data = super::image::to_chw_bgr(&resized, iw as usize);
    let input = Tensor::<f32>::from_array(([1usize, 3, ih as usize, iw as usize], data))
        .map_err(|e| anyhow!("{e}"))?;
    let out = session
        .run(ort::inputs![input])
        .map_err(|e| anyhow!("text detection failed: {e}"))?;
    let (shape, prob) = out[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| anyhow!("reading the detection map: {e}"))?;
    let (mh, mw) = (shape[2] as usize, shape[3] as usize);
    let boxes = boxes_from_map(prob, mw, mh);
    let (sx, sy) = (w as f32 / mw as f32, h as f32 / mh as f32);
    Ok(boxes
        .into_iter()
        .map(|b| {
            [
                (b[0] * sx).clamp(0.0, w as f32),
                (b[1] * sy).clamp(0.0, h as f32),
                (b[2] * sx).clamp(0.0, w as f32),
                (b[3] * sy).clamp(0.0, h as f32),
            ]
        })
        .filter(|b| b[2] - b[0] >= 2.0 && b[3] - b[1] >= 2.0)
        .collect())
}

/// DB post-processing of a `w × h` probability map: boxes in map pixels.
pub fn boxes_from_map(prob: &[f32], w: usize, h: usize) -> Vec<[f32; 4]> {
    // Binarize, then dilate with a 2×2 kernel.
    let bin: Vec<bool> = prob.iter().map(|&p| p > THRESH).collect();
    let mut mask = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            mask[y * w + x] = bin[y * w + x]
                || (x > 0 && bin[y * w + x - 1])
                || (y > 0 && bin[(y - 1) * w + x])
                || (x > 0 && y > 0 && bin[(y - 1) * w + x - 1]);
        }
    }
    // Connected regions (8-connectivity), iterative flood fill.
    let mut label = vec![0u32; w * h];
    let mut next = 0u32;
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let mut region = Vec::new();
        while let Some(i) = stack.pop() {
            region.push(i);
            let (x, y) = (i % w, i / w);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask[j] && label[j] == 0 {
                        label[j] = next;
                        stack.push(j);
                    }
                }
            }
        }
        for band in lines_of(&region, w) {
            out.extend(unclipped(&band, prob, w, h));
        }
    }
    out
}

/// A band's share of a region's fullest row under which a row is a gap between two lines.
const GAP: f32 = 0.15;

/// The text lines of one connected region (pixel indices into a map `w` wide): two lines the
/// binarized map joins by a stroke (a large logo over its tag line, a descender touching the
/// line below) would be read by the recogniser as one crop, their letters interleaved. A row
/// holding fewer than [`GAP`] of the region's fullest row's pixels separates lines; each run of
/// rows between such gaps at least [`MIN_SIZE`] high is a line. One line: the region itself.
fn lines_of(region: &[usize], w: usize) -> Vec<Vec<usize>> {
    let y0 = region.iter().map(|&i| i / w).min().unwrap_or(0);
    let y1 = region.iter().map(|&i| i / w).max().unwrap_or(0);
    let mut rows = vec![0usize; y1 - y0 + 1];
    for &i in region {
        rows[i / w - y0] += 1;
    }
    let full = rows.iter().copied().max().unwrap_or(0) as f32;
    // Runs of rows above the gap level: [first, last] offsets.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    for (r, &n) in rows.iter().enumerate() {
        let solid = n as f32 >= GAP * full;
        match (solid, open) {
            (true, None) => open = Some(r),
            (false, Some(a)) => {
                runs.push((a, r - 1));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(a) = open {
        runs.push((a, rows.len() - 1));
    }
    runs.retain(|(a, b)| (b - a + 1) as f32 >= MIN_SIZE);
    if runs.len() < 2 {
        return vec![region.to_vec()];
    }
    // Each gap row goes to the nearer line.
    let line_of = |y: usize| {
        let r = y - y0;
        let dist = |(a, b): (usize, usize)| if r < a { a - r } else { r.saturating_sub(b) };
        (0..runs.len()).min_by_key(|&k| dist(runs[k])).unwrap_or(0)
    };
    let mut lines = vec![Vec::new(); runs.len()];
    for &i in region {
        lines[line_of(i / w)].push(i);
    }
    lines
}

/// The box of one line's pixels (indices into the `w × h` map), expanded by DB's unclip
/// offset; `None` when it is too small or its mean probability is under [`BOX_THRESH`].
fn unclipped(line: &[usize], prob: &[f32], w: usize, h: usize) -> Option<[f32; 4]> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    let mut sum = 0f32;
    for &i in line {
        let (x, y) = (i % w, i / w);
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
        sum += prob[i];
    }
    let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
    if line.is_empty() || bw.min(bh) < MIN_SIZE || sum / (line.len() as f32) < BOX_THRESH {
        return None;
    }
    let d = bw * bh * UNCLIP / (2.0 * (bw + bh));
    let b = [
        x0 as f32 - d,
        y0 as f32 - d,
        x1 as f32 + 1.0 + d,
        y1 as f32 + 1.0 + d,
    ];
    if (b[2] - b[0]).min(b[3] - b[1]) < MIN_SIZE + 2.0 {
        return None;
    }
    Some([
        b[0].max(0.0),
        b[1].max(0.0),
        b[2].min(w as f32),
        b[3].min(h as f32),
    ])
}

/// The pixels of `b` in `img`.
pub fn crop(img: &RgbImage, b: &[f32; 4]) -> RgbImage {
    let x = b[0].floor().max(0.0) as u32;
    let y = b[1].floor().max(0.0) as u32;
    let w = ((b[2].ceil() as u32).min(img.width()))
        .saturating_sub(x)
        .max(1);
    let h = ((b[3].ceil() as u32).min(img.height()))
        .saturating_sub(y)
        .max(1);
    image::imageops::crop_imm(img, x, y, w, h).to_image()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set rows `ys` × columns `xs` of the `w`-wide map `p` to probability `v`.
    fn fill(
        p: &mut [f32],
        w: usize,
        ys: std::ops::Range<usize>,
        xs: std::ops::Range<usize>,
        v: f32,
    ) {
        for y in ys {
            for x in xs.clone() {
                p[y * w + x] = v;
            }
        }
    }

    #[test]
    fn two_text_blobs_give_two_expanded_boxes() {
        let (w, h) = (40, 20);
        let mut p = vec![0f32; w * h];
        fill(&mut p, w, 5..9, 3..15, 0.9);
        fill(&mut p, w, 5..9, 22..36, 0.8);
        // A faint blob under the box threshold is dropped.
        fill(&mut p, w, 14..18, 5..20, 0.35);
        let b = boxes_from_map(&p, w, h);
        assert_eq!(b.len(), 2, "{b:?}");
        // Expanded beyond the blob on every side (dilation + unclip).
        assert!(
            b[0][0] < 3.0 && b[0][1] < 5.0 && b[0][2] > 15.0 && b[0][3] > 9.0,
            "{:?}",
            b[0]
        );
    }

    #[test]
    fn two_lines_joined_by_a_stroke_are_two_boxes() {
        // A wide line over a shorter one (a logo over its tag line), a descender joining them.
        let (w, h) = (60, 30);
        let mut p = vec![0f32; w * h];
        fill(&mut p, w, 4..10, 5..50, 0.9);
        fill(&mut p, w, 10..14, 20..21, 0.9);
        fill(&mut p, w, 14..19, 12..40, 0.9);
        let b = boxes_from_map(&p, w, h);
        assert_eq!(b.len(), 2, "{b:?}");
        let (top, low) = if b[0][1] < b[1][1] {
            (b[0], b[1])
        } else {
            (b[1], b[0])
        };
        assert!(top[3] < low[3] && top[1] < low[1], "{b:?}");
        assert!(
            low[0] > 5.0 && low[2] < 48.0,
            "the lower line keeps its own width: {low:?}"
        );
        // One line with a taller mark in it (a logo glyph) stays one box.
        let mut p = vec![0f32; w * h];
        fill(&mut p, w, 8..14, 5..50, 0.9);
        fill(&mut p, w, 2..20, 5..9, 0.9);
        assert_eq!(boxes_from_map(&p, w, h).len(), 1);
    }

    #[test]
    fn input_sizes_are_multiples_of_32_within_limits() {
        for (w, h) in [(1654, 2339), (400, 300), (5000, 800), (736, 736)] {
            let (iw, ih) = input_size(w, h);
            assert_eq!((iw % 32, ih % 32), (0, 0));
            // The short side reaches ~736 unless that would stretch the long side past 1.5× the cap.
            assert!(
                iw.max(ih) <= 3008 && (iw.min(ih) >= 700 || iw.max(ih) >= 2976),
                "{w}x{h} → {iw}x{ih}"
            );
        }
    }
}
