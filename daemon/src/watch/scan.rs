//! Walking a watched folder without following links: the regular files found, and the symbolic
//! links met on the way, which are never followed (the watcher logs each once; `zopilot
//! sources` lists them with their targets).

use std::path::{Path, PathBuf};

use super::filter::is_ignored_dir;

/// What a walk meets.
pub enum Found {
    /// A regular file.
    File(PathBuf),
    /// A symbolic link (to a file or a folder): skipped.
    Link(PathBuf),
}

/// Every regular file under `folder` and every link met, recursively, outside the folders that
/// are not watched ([`is_ignored_dir`]). Entries are typed by `lstat`, so a linked
/// folder is reported, not entered.
pub fn scan(folder: &Path, f: &mut dyn FnMut(Found)) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_symlink() => f(Found::Link(p)),
            Ok(t) if t.is_dir() && !is_ignored_dir(&p) => scan(&p, f),
            Ok(t) if t.is_file() => f(Found::File(p)),
            _ => {}
        }
    }
}

/// The links under `folder` that watching skips, each with its target (`None` when it cannot be
/// read), sorted by path.
pub fn links(folder: &Path) -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out = Vec::new();
    scan(folder, &mut |found| {
        if let Found::Link(p) = found {
            let target = std::fs::read_link(&p).ok();
            out.push((p, target));
        }
    });
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_are_reported_not_entered() {
        let d = tempfile::tempdir().unwrap();
        let (inbox, outside) = (d.path().join("in"), d.path().join("out"));
        std::fs::create_dir_all(inbox.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(inbox.join("sub/a.pdf"), "a").unwrap();
        std::fs::write(outside.join("b.pdf"), "b").unwrap();
        std::os::unix::fs::symlink(&outside, inbox.join("linked")).unwrap();
        std::os::unix::fs::symlink(outside.join("b.pdf"), inbox.join("b.pdf")).unwrap();
        let mut files = Vec::new();
        scan(&inbox, &mut |f| {
            if let Found::File(p) = f {
                files.push(p)
            }
        });
        assert_eq!(files, vec![inbox.join("sub/a.pdf")]);
        assert_eq!(
            links(&inbox),
            vec![
                (inbox.join("b.pdf"), Some(outside.join("b.pdf"))),
                (inbox.join("linked"), Some(outside.clone())),
            ]
        );
    }
}
