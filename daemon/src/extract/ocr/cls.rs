//! The 0°/180° text-direction classifier (PP-OCR mobile v2.0 `cls`): crops resized to height
//! 48 (width ≤ 192, padded), two classes; a crop judged upside down with probability > 0.9 is
//! rotated before recognition.

use anyhow::{anyhow, Result};
use image::imageops::FilterType;
use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

const H: u32 = 48;
const W: u32 = 192;
const THRESH: f32 = 0.9;
const BATCH: usize = 6;

/// Rotate the crops that read upside down.
pub fn orient(session: &mut Session, crops: &mut [RgbImage]) -> Result<()> {
    let probs = upside_down(session, crops)?;
    for (c, p180) in crops.iter_mut().zip(probs) {
        if p180 > THRESH {
            image::imageops::rotate180_in_place(c);
        }
    }
    Ok(())
}

/// For each crop, the probability (0–1) that it reads upside down.
///
/// Errors: ONNX Runtime fails to run the classifier.
pub fn upside_down(session: &mut Session, crops: &[RgbImage]) -> Result<Vec<f32>> {
    let mut shares = Vec::with_capacity(crops.len());
    for start in (0..crops.len()).step_by(BATCH) {
        let end = (start + BATCH).min(crops.len());
        let mut data = Vec::with_capacity((end - start) * 3 * (H * W) as usize);
        for c in &crops[start..end] {
            let rw = ((H as f32 * c.width() as f32 / c.height().max(1) as f32).ceil() as u32)
                .clamp(1, W);
            let r = image::imageops::resize(c, rw, H, FilterType::Triangle);
            data.extend(super::image::to_chw_bgr(&r, W as usize));
            // Pixels right of the resized crop stay 0 (PaddleOCR pads with 0 after normalizing).
        }
        let input = Tensor::<f32>::from_array(([end - start, 3, H as usize, W as usize], data))
            .map_err(|e| anyhow!("{e}"))?;
        let out = session
            .run(ort::inputs![input])
            .map_err(|e| anyhow!("text direction classification failed: {e}"))?;
        let (_, probs) = out[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading the classifier output: {e}"))?;
        for k in 0..end - start {
            let (p0, p180) = (probs[2 * k], probs[2 * k + 1]);
            shares.push(p180 / (p0 + p180).max(f32::EPSILON));
        }
    }
    Ok(shares)
}
