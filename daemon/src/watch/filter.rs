//! Which paths in a watched folder are documents: supported extensions, and never the temporary
//! names that editors, browsers and sync clients use while a file is still being written.

use std::path::Path;

/// Extensions the pipeline reads (by content, but only these are picked up from folders).
pub const EXTENSIONS: &[&str] = &[
    "pdf", "png", "jpg", "jpeg", "tif", "tiff", "webp", "xml", "docx", "xlsx", "csv", "txt",
];

const TEMP_SUFFIXES: &[&str] = &[
    "~",
    ".tmp",
    ".temp",
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".gdownload",
    ".swp",
];

/// Folders whose contents are in flight (Google Drive) or not the user's documents.
pub fn is_ignored_dir(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.starts_with('.') || name == "processed" || name == "failed"
}

/// True when `path` names a document to enqueue.
/// True when `rel` (a path relative to the watched folder) lies inside a folder that is not
/// watched: hidden folders (Drive's `.tmp.drivedownload` among them), `processed/` and `failed/`.
pub fn in_ignored_dir(rel: &Path) -> bool {
    rel.parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .filter(|a| !a.as_os_str().is_empty())
        .any(is_ignored_dir)
}

pub fn is_candidate(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().to_lowercase()) else {
        return false;
    };
    if name.starts_with('.') || name.starts_with("~$") || name.starts_with(".~lock") {
        return false;
    }
    if TEMP_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    if path.ancestors().skip(1).any(|a| {
        a.file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .is_some_and(|n| n.starts_with(".tmp.drive"))
    }) {
        return false;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    EXTENSIONS.contains(&ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_originals_and_hidden_folders_are_not_watched() {
        assert!(in_ignored_dir(Path::new("processed/a.pdf")));
        assert!(in_ignored_dir(Path::new("2024/failed/a.pdf")));
        assert!(in_ignored_dir(Path::new(".tmp.driveupload/a.pdf")));
        assert!(!in_ignored_dir(Path::new("2024/March/a.pdf")));
        assert!(!in_ignored_dir(Path::new("a.pdf")));
    }

    #[test]
    fn temporary_names_are_not_documents() {
        for n in ["a.pdf", "dir/Invoice 12.PDF", "note.txt"] {
            assert!(is_candidate(Path::new(n)), "{n}");
        }
        for n in [
            ".hidden.pdf",
            "~$doc.pdf",
            ".~lock.a.pdf#",
            "a.pdf.part",
            "a.pdf.crdownload",
            "a.pdf~",
            "a.tmp",
            "x/.tmp.drivedownload/a.pdf",
            "a.doc",
            "a",
        ] {
            assert!(!is_candidate(Path::new(n)), "{n}");
        }
    }
}
