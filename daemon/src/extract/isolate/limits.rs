//! The limits of one extraction child, from the configuration.

use serde::{Deserialize, Serialize};

/// Limits of one extraction child.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ChildLimits {
    /// Address-space limit in bytes (`RLIMIT_AS`).
    pub memory_bytes: u64,
    /// CPU time in seconds (`RLIMIT_CPU`).
    pub cpu_seconds: u64,
    /// Wall-clock time in seconds.
    pub wall_seconds: u64,
    /// CPU and wall seconds added for each page read by OCR.
    pub ocr_seconds_per_page: u64,
}

impl ChildLimits {
    /// From the configuration (`extract_memory_mb`, `extract_cpu_seconds`,
    /// `extract_timeout_seconds`, `extract_ocr_seconds_per_page`).
    pub fn from_config(cfg: &crate::config::Config) -> ChildLimits {
        ChildLimits {
            memory_bytes: cfg.extract_memory_mb * 1024 * 1024,
            cpu_seconds: cfg.extract_cpu_seconds,
            wall_seconds: cfg.extract_timeout_seconds,
            ocr_seconds_per_page: cfg.extract_ocr_seconds_per_page,
        }
    }

    /// CPU seconds for a document with `ocr_pages` pages read by OCR.
    pub fn cpu_for(&self, ocr_pages: u64) -> u64 {
        self.cpu_seconds + self.ocr_seconds_per_page * ocr_pages
    }

    /// Wall-clock seconds for a document with `ocr_pages` pages read by OCR.
    pub fn wall_for(&self, ocr_pages: u64) -> u64 {
        self.wall_seconds + self.ocr_seconds_per_page * ocr_pages
    }
}
