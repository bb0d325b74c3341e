//! The format modules of `daemon/src/extract/`.

#[path = "../../daemon/src/extract/candidates.rs"]
pub mod candidates;
#[path = "../../daemon/src/extract/detect.rs"]
pub mod detect;
#[path = "../../daemon/src/extract/einvoice/mod.rs"]
pub mod einvoice;
#[path = "../../daemon/src/extract/money.rs"]
pub mod money;
#[path = "../../daemon/src/extract/office.rs"]
pub mod office;
#[path = "../../daemon/src/extract/read/mod.rs"]
pub mod read;
#[path = "../../daemon/src/extract/values/mod.rs"]
pub mod values;

pub use detect::{detect, DocumentKind};

/// The one type the reading needs from the PDF module (same shape as `extract::pdf`).
pub mod pdf {
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct LayoutLine {
        pub page: usize,
        pub text: String,
        pub bbox: [f32; 4],
    }
}
