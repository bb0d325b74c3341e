//! Text recognition (PP-OCRv6 small, CRNN-style) with greedy CTC decoding: crops resized to
//! height 48 keeping their aspect (batch width = 48 × the widest ratio, at least 320), padded
//! with zeros; per time step the arg-max class; repeats collapsed, blanks (class 0) dropped.

use anyhow::{anyhow, Result};
use image::imageops::FilterType;
use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

const H: u32 = 48;
const MIN_W: u32 = 320;
const MAX_W: u32 = 3200;
const BATCH: usize = 6;

/// Greedy CTC decoding of `[t, classes]` probabilities: (text, mean probability of the kept
/// characters).
pub fn ctc_decode(probs: &[f32], classes: usize, chars: &[String]) -> (String, f32) {
    let mut text = String::new();
    let (mut sum, mut n) = (0f32, 0usize);
    let mut prev = usize::MAX;
    for step in probs.chunks_exact(classes) {
        let (best, p) = step
            .iter()
            .enumerate()
            .fold(
                (0usize, f32::MIN),
                |(bi, bp), (i, &v)| if v > bp { (i, v) } else { (bi, bp) },
            );
        if best != 0 && best != prev {
            if let Some(c) = chars.get(best) {
                text.push_str(c);
                sum += p;
                n += 1;
            }
        }
        prev = best;
    }
    (text, if n == 0 { 0.0 } else { sum / n as f32 })
}

/// Recognise every crop: (text, score) in the same order.
pub fn recognize(
    session: &mut Session,
    crops: &[RgbImage],
    chars: &[String],
) -> Result<Vec<(String, f32)>> {
    let mut order: Vec<usize> = (0..crops.len()).collect();
    let ratio = |c: &RgbImage| c.width() as f32 / c.height().max(1) as f32;
    order.sort_by(|&a, &b| ratio(&crops[a]).total_cmp(&ratio(&crops[b])));
    let mut out = vec![(String::new(), 0f32); crops.len()];
    for batch in order.chunks(BATCH) {
        let max_ratio = batch
            .iter()
            .map(|&i| ratio(&crops[i]))
            .fold(MIN_W as f32 / H as f32, f32::max);
        let bw = ((H as f32 * max_ratio).ceil() as u32).min(MAX_W);
        let mut data = Vec::with_capacity(batch.len() * 3 * (H * bw) as usize);
        for &i in batch {
            let c = &crops[i];
            let rw = ((H as f32 * ratio(c)).ceil() as u32).clamp(1, bw);
            let r = image::imageops::resize(c, rw, H, FilterType::Triangle);
            data.extend(super::image::to_chw_bgr(&r, bw as usize));
        }
        let input = Tensor::<f32>::from_array(([batch.len(), 3, H as usize, bw as usize], data))
            .map_err(|e| anyhow!("{e}"))?;
        let res = session
            .run(ort::inputs![input])
            .map_err(|e| anyhow!("text recognition failed: {e}"))?;
        let (shape, probs) = res[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading the recogniser output: {e}"))?;
        let (t, classes) = (shape[1] as usize, shape[2] as usize);
        for (k, &i) in batch.iter().enumerate() {
            out[i] = ctc_decode(
                &probs[k * t * classes..(k + 1) * t * classes],
                classes,
                chars,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctc_collapses_repeats_and_drops_blanks() {
        let chars: Vec<String> = ["", "a", "b", " "].iter().map(|s| s.to_string()).collect();
        // t: a a blank a b b blank → "aab"
        let steps = [1, 1, 0, 1, 2, 2, 0];
        let mut probs = Vec::new();
        for s in steps {
            let mut row = vec![0.05f32; 4];
            row[s] = 0.85;
            probs.extend(row);
        }
        let (t, p) = ctc_decode(&probs, 4, &chars);
        assert_eq!(t, "aab");
        assert!((p - 0.85).abs() < 1e-6);
    }
}
