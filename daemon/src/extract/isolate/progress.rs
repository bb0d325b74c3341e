//! How far the extraction child got, told on its stderr: before OCR the child says how many
//! pages it will read by OCR (`zopilot-progress ocr-pages N`) and raises its own CPU-time limit
//! by `extract_ocr_seconds_per_page` for each — up to the hard limit the parent set, every page
//! `max_pages` admits — and before each page it says `zopilot-progress page P of N`. The parent
//! scales its wall-clock limit the same way and names the page a limit stopped.

use serde::{Deserialize, Serialize};

const TAG: &str = "zopilot-progress ";

/// What the parent has heard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Pages the child reads by OCR (each adds to its CPU and wall limits).
    pub ocr_pages: u64,
    /// The page it was on, and the document's pages.
    pub page: Option<(usize, usize)>,
}

impl Progress {
    /// Take in one stderr line; `false` when it is not a progress line.
    pub fn read_line(&mut self, line: &str) -> bool {
        let Some(rest) = line.trim_end().strip_prefix(TAG) else {
            return false;
        };
        let words: Vec<&str> = rest.split(' ').collect();
        match words.as_slice() {
            ["ocr-pages", n] => self.ocr_pages = n.parse().unwrap_or(self.ocr_pages),
            ["page", p, "of", n] => {
                if let (Ok(p), Ok(n)) = (p.parse(), n.parse()) {
                    self.page = Some((p, n));
                }
            }
            _ => {}
        }
        true
    }
}

/// The child's side: its base CPU time and what each page read by OCR adds (seconds).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OcrBudget {
    pub cpu_seconds: u64,
    pub per_page: u64,
}

impl OcrBudget {
    /// Say that `pages` pages will be read by OCR, and raise this process's CPU-time limit to
    /// `cpu_seconds + per_page × pages` (within its hard limit).
    pub fn admit(&self, pages: usize) {
        #[cfg(unix)]
        {
            let want = self.cpu_seconds + self.per_page * pages as u64;
            // SAFETY: getrlimit/setrlimit with pointers to a local struct.
            unsafe {
                let mut r: libc::rlimit = std::mem::zeroed();
                if libc::getrlimit(libc::RLIMIT_CPU, &mut r) == 0 {
                    r.rlim_cur = (want as libc::rlim_t).min(r.rlim_max);
                    libc::setrlimit(libc::RLIMIT_CPU, &r);
                }
            }
        }
        eprintln!("{TAG}ocr-pages {pages}");
    }

    /// Say that page `page` of `of` is next.
    pub fn page(&self, page: usize, of: usize) {
        eprintln!("{TAG}page {page} of {of}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_are_read_and_others_left() {
        let mut p = Progress::default();
        assert!(p.read_line("zopilot-progress ocr-pages 46\n"));
        assert!(p.read_line("zopilot-progress page 12 of 50"));
        assert!(!p.read_line("thread panicked: out of memory"));
        assert_eq!(
            p,
            Progress {
                ocr_pages: 46,
                page: Some((12, 50))
            }
        );
    }
}
