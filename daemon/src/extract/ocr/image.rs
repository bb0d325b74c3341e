//! Images as the OCR sees them: decoded (PNG, JPEG, TIFF, WebP through the `image` crate),
//! turned upright by their EXIF orientation, and small ones upscaled so that text is tall
//! enough for the recogniser.

use anyhow::{Context, Result};
use image::{DynamicImage, ImageDecoder, RgbImage};

/// Images whose long side is below this are upscaled (at most 3×) to reach it.
const MIN_LONG_SIDE: u32 = 1600;
/// Larger images are refused (decompression bombs): 50 Mpx is above any phone camera's photo.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most bytes the decoder may allocate (a 50 Mpx RGBA image is 200 MB).
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// Images whose long side is above this are downscaled to it before OCR (≈ A4 at 340 dpi).
pub const MAX_LONG_SIDE: u32 = 4000;

/// Decode `bytes` (at most [`MAX_PIXELS`] and 256 MB of decoder allocations), apply the EXIF
/// orientation, downscale large images to [`MAX_LONG_SIDE`], upscale small ones.
///
/// Errors: undecodable or oversized images, with the reason.
pub fn load(bytes: &[u8]) -> Result<RgbImage> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .context("reading the image")?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .context("the image cannot be decoded")?;
    let (w, h) = decoder.dimensions();
    if w as u64 * h as u64 > MAX_PIXELS {
        anyhow::bail!("the image is {w}×{h} pixels, above the limit of {MAX_PIXELS} pixels");
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).context("the image cannot be decoded")?;
    img.apply_orientation(orientation);
    let long = img.width().max(img.height());
    if long > MAX_LONG_SIDE {
        let f = MAX_LONG_SIDE as f32 / long as f32;
        img = img.resize(
            (img.width() as f32 * f) as u32,
            (img.height() as f32 * f) as u32,
            image::imageops::FilterType::Triangle,
        );
    }
    Ok(upscale(img.to_rgb8()))
}

/// Upscale so that the long side reaches [`MIN_LONG_SIDE`] (factor ≤ 3).
pub fn upscale(img: RgbImage) -> RgbImage {
    let long = img.width().max(img.height());
    if long >= MIN_LONG_SIDE || long == 0 {
        return img;
    }
    let f = (MIN_LONG_SIDE as f32 / long as f32).min(3.0);
    image::imageops::resize(
        &img,
        (img.width() as f32 * f) as u32,
        (img.height() as f32 * f) as u32,
        image::imageops::FilterType::CatmullRom,
    )
}

/// `[1, 3, h, w]` float input from an RGB image: BGR channel order (PaddleOCR reads with
/// OpenCV), `(x / 255 − 0.5) / 0.5`.
pub(crate) fn to_chw_bgr(img: &RgbImage, width: usize) -> Vec<f32> {
    let h = img.height() as usize;
    let mut out = vec![0f32; 3 * h * width];
    for (x, y, p) in img.enumerate_pixels() {
        let (x, y) = (x as usize, y as usize);
        if x >= width {
            continue;
        }
        for (c, v) in [p[2], p[1], p[0]].into_iter().enumerate() {
            out[c * h * width + y * width + x] = (v as f32 / 255.0 - 0.5) / 0.5;
        }
    }
    out
}
