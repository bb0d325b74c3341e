//! OCR for scanned pages and photos: PaddleOCR's PP-OCR pipeline on our ONNX Runtime —
//! text detection ([`det`], DB), a 0°/180° direction classifier ([`cls`]) and CRNN text
//! recognition with CTC decoding ([`rec`]) — then the recognised boxes become layout lines
//! through the same line builder as the PDF text layer.
//!
//! Models: PP-OCRv6 small detection and recognition and the PP-OCR mobile v2.0 direction
//! classifier, as shipped in the PyPI wheel `rapidocr==3.10.0` (Apache-2.0; fetched and checked
//! by `installer/setup.sh` into `<data_dir>/ocr/`). The recogniser's character dictionary is
//! the model's `character` metadata (one character per line), with CTC blank at index 0 and a
//! space appended, as in PaddleOCR's `CTCLabelDecode`.
//! Reference: Liao et al., "Real-time Scene Text Detection with Differentiable Binarization"
//! (AAAI 2020); Shi et al., "An End-to-End Trainable Neural Network for Image-based Sequence
//! Recognition" (CRNN, TPAMI 2017); Graves et al., CTC (ICML 2006); PaddleOCR docs.

pub mod cls;
pub mod deskew;
pub mod det;
pub mod image;
pub mod orient;
pub mod rec;
pub mod rows;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ::image::RgbImage;
use anyhow::{anyhow, Context, Result};
use ort::session::Session;

/// Model file names inside the OCR folder.
pub const DET_MODEL: &str = "PP-OCRv6_det_small.onnx";
pub const REC_MODEL: &str = "PP-OCRv6_rec_small.onnx";
pub const CLS_MODEL: &str = "ch_ppocr_mobile_v2.0_cls_mobile.onnx";

/// A recognised piece of text and where it is, in pixels of the image given to
/// [`Ocr::recognize`] (`[left, top, right, bottom]`).
#[derive(Debug, Clone)]
pub struct TextBox {
    pub bbox: [f32; 4],
    pub text: String,
    /// Mean probability of the decoded characters.
    pub score: f32,
}

/// The loaded OCR models.
pub struct Ocr {
    det: Mutex<Session>,
    cls: Mutex<Session>,
    rec: Mutex<Session>,
    /// CTC classes: 0 = blank, then the model's characters, then a space.
    chars: Vec<String>,
}

fn session(env_lib: &Path, file: &Path, threads: usize) -> Result<Session> {
    let env = crate::onnx_runtime::environment(env_lib)?;
    let mut b = Session::builder(env)
        .map_err(|e| anyhow!("creating an ONNX Runtime session builder: {e}"))?;
    if threads > 0 {
        b = b
            .with_intra_threads(threads)
            .map_err(|e| anyhow!("setting threads: {e}"))?;
    }
    b.commit_from_file(file)
        .map_err(|e| anyhow!("loading the OCR model {}: {e}", file.display()))
}

impl Ocr {
    /// Load the three models from `dir` (ONNX Runtime from `ort_library`).
    ///
    /// Errors: a missing model (with the set-up command to fetch it) or a model ONNX Runtime
    /// cannot load.
    pub fn load(dir: &Path, ort_library: &Path, threads: usize) -> Result<Ocr> {
        let path = |f: &str| -> Result<PathBuf> {
            let p = dir.join(f);
            if p.is_file() {
                Ok(p)
            } else {
                Err(anyhow!(
                    "OCR model {} is missing — run installer/setup.sh (it fetches rapidocr==3.10.0) or set ocr_models_dir",
                    p.display()
                ))
            }
        };
        let rec = session(ort_library, &path(REC_MODEL)?, threads)?;
        let meta = rec
            .metadata()
            .map_err(|e| anyhow!("reading the recogniser's metadata: {e}"))?;
        let dict = meta
            .custom("character")
            .context("the recogniser has no `character` metadata (its dictionary)")?;
        let mut chars = vec![String::new()];
        chars.extend(dict.lines().map(str::to_string));
        chars.push(" ".into());
        drop(meta);
        Ok(Ocr {
            det: Mutex::new(session(ort_library, &path(DET_MODEL)?, threads)?),
            cls: Mutex::new(session(ort_library, &path(CLS_MODEL)?, threads)?),
            rec: Mutex::new(rec),
            chars,
        })
    }

    /// Detect, orient and recognise the text of `img`; boxes in reading order are not
    /// guaranteed (the line builder sorts them). Boxes scoring under 0.5 are dropped.
    pub fn recognize(&self, img: &RgbImage) -> Result<Vec<TextBox>> {
        let boxes = {
            let mut det = self.det.lock().unwrap_or_else(|e| e.into_inner());
            det::detect(&mut det, img)?
        };
        self.recognize_boxes(img, boxes)
    }

    /// Read a page: turned upright ([`orient`]: 90°, 180°, 270°), straightened ([`deskew`]),
    /// then its lines recognised as by [`Ocr::recognize`]. The page's boxes are in pixels of
    /// [`Page::image`], the page as read.
    pub fn read_page(&self, img: RgbImage) -> Result<Page> {
        let up = {
            let mut det = self.det.lock().unwrap_or_else(|e| e.into_inner());
            let mut cls = self.cls.lock().unwrap_or_else(|e| e.into_inner());
            orient::upright(&mut det, &mut cls, img)?
        };
        let skew = deskew::skew_degrees(&up.image);
        let (image, boxes) = if skew == 0.0 {
            (up.image, up.boxes)
        } else {
            let image = deskew::rotate(&up.image, skew);
            let mut det = self.det.lock().unwrap_or_else(|e| e.into_inner());
            let boxes = det::detect(&mut det, &image)?;
            (image, boxes)
        };
        let boxes = self.recognize_boxes(&image, boxes)?;
        Ok(Page {
            image,
            degrees: up.degrees,
            boxes,
        })
    }

    fn recognize_boxes(&self, img: &RgbImage, boxes: Vec<[f32; 4]>) -> Result<Vec<TextBox>> {
        let mut crops: Vec<RgbImage> = boxes.iter().map(|b| det::crop(img, b)).collect();
        {
            let mut cls = self.cls.lock().unwrap_or_else(|e| e.into_inner());
            cls::orient(&mut cls, &mut crops)?;
        }
        let texts = {
            let mut rec = self.rec.lock().unwrap_or_else(|e| e.into_inner());
            rec::recognize(&mut rec, &crops, &self.chars)?
        };
        Ok(boxes
            .into_iter()
            .zip(texts)
            .filter(|(_, (t, s))| *s >= 0.5 && !t.trim().is_empty())
            .map(|(b, (text, score))| TextBox {
                bbox: b,
                text: halfwidth(text.trim()),
                score,
            })
            .collect())
    }
}

/// `s` with the recogniser's fullwidth colon (U+FF1A) and ideographic space as ASCII, as
/// Unicode compatibility decomposition (NFKC, UAX #15) maps them: PP-OCR, trained on Chinese as
/// well, reads a receipt's colon as "：" about half the time, and no label reader expects it
/// ("Steuernummer：DE…" lost the tax id). Only these two for now: mapping every fullwidth form
/// also turns a masked card number's "＃＃＃＃9165 0000" into digits the number reader takes
/// for the document's number (measured on the real set's receipts; that reader must refuse a
/// masked card number first).
pub fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF1A}' => ':',
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A page as OCR read it.
pub struct Page {
    /// The page turned upright and straightened: what the boxes' pixels refer to.
    pub image: RgbImage,
    /// Clockwise degrees it was turned to stand upright (0, 90, 180, 270).
    pub degrees: u16,
    pub boxes: Vec<TextBox>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fullwidth_colon_reads_as_ascii() {
        assert_eq!(
            super::halfwidth("Steuernummer：DE31350021038"),
            "Steuernummer:DE31350021038"
        );
        assert_eq!(super::halfwidth("Datum：　29.02.20"), "Datum: 29.02.20");
        // A masked card number stays masked.
        assert_eq!(super::halfwidth("Nr. ＃＃＃＃9165"), "Nr. ＃＃＃＃9165");
        // Other scripts stay as they are.
        assert_eq!(super::halfwidth("发票代码 Größe"), "发票代码 Größe");
    }
}
