//! Which originals the API shows (`GET /documents/{id}/file`, the review page's page images):
//! only files inside a watched folder or the daemon's own `uploads/` folder, reached through no
//! symbolic link ([`crate::no_follow`]). A document whose original was replaced by a link, or
//! lies elsewhere (a `zopilot process` run on any file), is not served.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::state::AppState;
use crate::store::Document;

/// The folders whose files may be served: the watched folders and `<data_dir>/uploads`, made
/// canonical (those that exist).
pub fn roots(s: &AppState) -> Vec<PathBuf> {
    s.sources
        .iter()
        .map(|src| src.path.clone())
        .chain([s.config.data_dir.join("uploads")])
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

/// Where `doc`'s original is now (its moved place, else where it was found), when that lies
/// inside one of `roots` with no `.`/`..` component; `None` otherwise.
pub fn servable(doc: &Document, roots: &[PathBuf]) -> Option<PathBuf> {
    let path = doc.current_path();
    let plain = path.is_absolute()
        && !path
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::CurDir));
    (plain && roots.iter().any(|r| path.starts_with(r))).then_some(path)
}

/// The bytes of the original at `path`, opened without following links.
///
/// Errors: a link on the way, not a regular file, or unreadable.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = crate::no_follow::open(path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}
