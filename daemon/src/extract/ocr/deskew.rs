//! Deskewing a photographed or scanned page before OCR: the text boxes are axis-aligned, so a
//! page turned by a degree or two puts the end of one row on the next and columns drift.
//!
//! The skew is found by the projection-profile method (Postl, "Detection of linear oblique
//! structures and skew scan in digitized documents", 1986): on a small grey copy, dark pixels
//! are projected onto the vertical axis for each candidate angle; text rows make the profile
//! sharpest — largest sum of squared differences between neighbouring rows — at the true angle.
//! Candidates span ±4° in 0.25° steps; a skew under 0.3° is left alone. The page is then turned
//! back with bilinear interpolation, the new corners filled white.

use image::{GrayImage, Rgb, RgbImage};

/// Largest skew searched, in degrees.
const MAX_DEGREES: f32 = 4.0;
/// Search step, in degrees.
const STEP: f32 = 0.25;
/// Skews below this are not corrected.
const MIN_DEGREES: f32 = 0.3;
/// Width of the copy the angle is measured on.
const PROBE_WIDTH: u32 = 800;

/// Sharpness of the horizontal projection of dark pixels of `g` turned by `deg`.
fn sharpness(dark: &[(f32, f32)], h: u32, deg: f32) -> f64 {
    let (s, c) = deg.to_radians().sin_cos();
    let mut rows = vec![0u32; h as usize * 2];
    for &(x, y) in dark {
        let yr = y * c - x * s + h as f32 / 2.0;
        if yr >= 0.0 && (yr as usize) < rows.len() {
            rows[yr as usize] += 1;
        }
    }
    rows.windows(2)
        .map(|w| {
            let d = w[1] as f64 - w[0] as f64;
            d * d
        })
        .sum()
}

/// The page's skew in degrees (positive: text rises to the right), 0 when under the threshold.
pub fn skew_degrees(img: &RgbImage) -> f32 {
    let scale = PROBE_WIDTH as f32 / img.width().max(1) as f32;
    let small: GrayImage = image::imageops::grayscale(&image::imageops::resize(
        img,
        PROBE_WIDTH.min(img.width()),
        ((img.height() as f32 * scale.min(1.0)) as u32).max(1),
        image::imageops::FilterType::Triangle,
    ));
    let (w, h) = small.dimensions();
    let mean = small.pixels().map(|p| p[0] as u64).sum::<u64>() as f64
        / (w as u64 * h as u64).max(1) as f64;
    let threshold = (mean * 0.6) as u8;
    let dark: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] < threshold)
        .map(|(x, y, _)| (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0))
        .collect();
    if dark.len() < 200 {
        return 0.0;
    }
    let steps = (MAX_DEGREES / STEP) as i32;
    let (mut best, mut best_score) = (0.0f32, sharpness(&dark, h, 0.0));
    for i in -steps..=steps {
        let deg = i as f32 * STEP;
        let s = sharpness(&dark, h, deg);
        if s > best_score * 1.0001 {
            best = deg;
            best_score = s;
        }
    }
    if best.abs() < MIN_DEGREES {
        0.0
    } else {
        best
    }
}

/// `img` turned about its centre so that a page measured at `deg` by [`skew_degrees`] comes out
/// straight (bilinear; uncovered corners white).
pub fn rotate(img: &RgbImage, deg: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (s, c) = (-deg).to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut out = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    for (x, y, px) in out.enumerate_pixels_mut() {
        // The source point that lands on (x, y).
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let sx = dx * c + dy * s + cx;
        let sy = -dx * s + dy * c + cy;
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            continue;
        }
        let (x0, y0) = (sx as u32, sy as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let p = |xx, yy| img.get_pixel(xx, yy).0;
        let (a, b, cc, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
        for k in 0..3 {
            let top = a[k] as f32 * (1.0 - fx) + b[k] as f32 * fx;
            let bottom = cc[k] as f32 * (1.0 - fx) + d[k] as f32 * fx;
            px.0[k] = (top * (1.0 - fy) + bottom * fy).round() as u8;
        }
    }
    out
}

/// `img` deskewed (unchanged when the skew is under the threshold).
pub fn deskew(img: RgbImage) -> RgbImage {
    match skew_degrees(&img) {
        d if d == 0.0 => img,
        d => rotate(&img, d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page with black text-like bars.
    fn page() -> RgbImage {
        let mut img = RgbImage::from_pixel(800, 600, Rgb([255, 255, 255]));
        for row in 0..12 {
            let y0 = 40 + row * 45;
            for y in y0..y0 + 12 {
                for x in 60..740 {
                    if (x / 9) % 5 != 4 {
                        img.put_pixel(x, y, Rgb([0, 0, 0]));
                    }
                }
            }
        }
        img
    }

    #[test]
    fn finds_and_undoes_a_skew_leaves_straight_pages_alone() {
        let straight = page();
        assert_eq!(skew_degrees(&straight), 0.0);
        let turned = rotate(&straight, 2.0);
        let found = skew_degrees(&turned);
        assert!((found.abs() - 2.0).abs() <= 0.3, "{found}");
        let back = deskew(turned);
        assert_eq!(skew_degrees(&back), 0.0);
    }
}
