//! Symmetric 4-bit block quantization in the layout of ONNX Runtime's `MatMulNBits`
//! (com.microsoft, <https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.MatMulNBits>):
//! for a weight `W[N, K]` (output rows × input columns), blocks of 32 along K; codes `uint8 [N, K/32, 16]`,
//! two 4-bit codes per byte, low nibble first; scales `float32 [N, K/32]`; implicit zero point 8, so
//! `w ≈ (q − 8) · scale`. The value of largest magnitude in a block maps to code 0 (scale = that
//! value / −8), as the ONNX Runtime GenAI builder does, so the rounding error is at most one step.

use anyhow::{bail, Result};

/// Block size along K.
pub const BLOCK: usize = 32;

/// Quantized weight.
pub struct Q4 {
    pub n: usize,
    pub k: usize,
    /// `[n, k/32, 16]`
    pub codes: Vec<u8>,
    /// `[n, k/32]`
    pub scales: Vec<f32>,
}

/// Quantize row-major `w` of shape `[n, k]`.
///
/// Errors: `k` not a multiple of 32 or a length mismatch.
pub fn quantize(w: &[f32], n: usize, k: usize) -> Result<Q4> {
    if !k.is_multiple_of(BLOCK) {
        bail!("cannot quantize a weight with K = {k}: K must be a multiple of {BLOCK}");
    }
    if w.len() != n * k {
        bail!("weight has {} values, expected {n}×{k}", w.len());
    }
    let blocks = k / BLOCK;
    let mut codes = vec![0u8; n * blocks * BLOCK / 2];
    let mut scales = vec![0f32; n * blocks];
    for (b, chunk) in w.chunks_exact(BLOCK).enumerate() {
        let amax = chunk
            .iter()
            .fold(0f32, |m, &x| if x.abs() > m.abs() { x } else { m });
        let scale = amax / -8.0;
        scales[b] = scale;
        let inv = if scale != 0.0 { 1.0 / scale } else { 0.0 };
        let out = &mut codes[b * BLOCK / 2..(b + 1) * BLOCK / 2];
        for i in 0..BLOCK / 2 {
            let q = |x: f32| ((x * inv).round() + 8.0).clamp(0.0, 15.0) as u8;
            out[i] = q(chunk[2 * i]) | (q(chunk[2 * i + 1]) << 4);
        }
    }
    Ok(Q4 {
        n,
        k,
        codes,
        scales,
    })
}

/// Dequantize (for tests and checks).
pub fn dequantize(q: &Q4) -> Vec<f32> {
    let mut w = Vec::with_capacity(q.n * q.k);
    for (b, bytes) in q.codes.chunks_exact(BLOCK / 2).enumerate() {
        for &byte in bytes {
            w.push(((byte & 0xf) as f32 - 8.0) * q.scales[b]);
            w.push(((byte >> 4) as f32 - 8.0) * q.scales[b]);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_at_most_one_step_and_the_extreme_is_exact() {
        let w: Vec<f32> = (0..2 * 64)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let q = quantize(&w, 2, 64).unwrap();
        let d = dequantize(&q);
        for (i, (a, b)) in w.iter().zip(&d).enumerate() {
            let step = q.scales[i / BLOCK].abs();
            // Half a step from rounding, except values opposite in sign to the block's extreme
            // beyond +7 steps, which clamp (at most one step).
            assert!((a - b).abs() <= step + 1e-5, "{i}: {a} vs {b}");
        }
        for (b, blk) in w.chunks(BLOCK).enumerate() {
            let amax = blk
                .iter()
                .fold(0f32, |m, &x| if x.abs() > m.abs() { x } else { m });
            assert!(
                (q.scales[b] * -8.0 - amax).abs() < 1e-5,
                "the extreme of a block maps to code 0 exactly"
            );
        }
        assert!(quantize(&w, 2, 60).is_err());
    }
}
