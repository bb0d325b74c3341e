//! Originals are opened and moved without following symbolic links.
//!
//! Watched folders are made canonical when watching starts, so a path the daemon records for an
//! original holds no link at all. [`open`] and [`rename`] open each component of such a path
//! relative to the one before with `O_NOFOLLOW` (`openat(2)`, `renameat(2)`): a link met on the
//! way — a file link, or a folder swapped for a link after the file was queued — is refused with
//! a sentence naming it, never followed. [`first_link`] finds the first link between a watched
//! folder and a path by `lstat`, for the watcher and `zopilot sources`.
//!
//! Elsewhere than Unix the same rule is kept by `symlink_metadata` checks before a plain open.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The error for a link met at `at`.
fn link_error(at: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link: links are not followed",
            at.display()
        ),
    )
}

/// Open the regular file at `path` for reading, following no link anywhere on the way (a
/// relative path starts from the current folder).
///
/// Errors: a component is a symbolic link (a sentence naming it), the file is not a regular
/// file, or the open fails.
pub fn open(path: &Path) -> io::Result<File> {
    let f = imp::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(f)
}

/// Rename `from` to `to` (same file system), following no link on the way to either; a link
/// at `from` itself is refused rather than moved.
///
/// Errors: a link on the way, or the rename fails (e.g. `to`'s folder is missing or a file).
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    if is_link(from) {
        return Err(link_error(from));
    }
    imp::rename(from, to)
}

/// Whether `path` itself is a symbolic link (not followed).
pub fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The first symbolic link among the components of `path` below `root` (`path` itself
/// included, `root` not), by `lstat`; `None` when there is none or `path` is not below `root`.
pub fn first_link(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut p = root.to_path_buf();
    for c in rel.components() {
        p.push(c);
        if is_link(&p) {
            return Some(p);
        }
    }
    None
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CString, OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Component, Path, PathBuf};

    /// How folders on the way are opened: only to look up the next name.
    #[cfg(target_os = "linux")]
    const DIR: libc::c_int = libc::O_PATH | libc::O_DIRECTORY;
    #[cfg(not(target_os = "linux"))]
    const DIR: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY;

    fn c_name(name: &OsStr) -> io::Result<CString> {
        CString::new(name.as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a file name with a NUL byte"))
    }

    /// `openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC)`.
    fn at(dir: RawFd, name: &OsStr, flags: libc::c_int) -> io::Result<OwnedFd> {
        let c = c_name(name)?;
        // SAFETY: `c` is a valid C string; `dir` is AT_FDCWD or an open descriptor.
        let fd =
            unsafe { libc::openat(dir, c.as_ptr(), flags | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by openat and is owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// A failed open at `walked`: named as a link when it is one.
    fn explain(e: io::Error, walked: &Path) -> io::Error {
        let linkish = matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::ENOTDIR));
        if linkish && super::is_link(walked) {
            super::link_error(walked)
        } else {
            e
        }
    }

    /// The folder holding `path`'s last component (opened without following links; `None` is
    /// the current folder), and that component.
    fn parent(path: &Path) -> io::Result<(Option<OwnedFd>, OsString)> {
        let mut comps: Vec<Component> = path.components().collect();
        let last = match comps.pop() {
            Some(Component::Normal(n)) => n.to_os_string(),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} names no file", path.display()),
                ))
            }
        };
        let mut dir: Option<OwnedFd> = None;
        let mut walked = PathBuf::new();
        for c in comps {
            walked.push(c.as_os_str());
            let base = dir.as_ref().map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
            let next = match c {
                Component::RootDir => at(libc::AT_FDCWD, OsStr::new("/"), DIR)?,
                Component::CurDir => continue,
                Component::ParentDir => at(base, OsStr::new(".."), DIR)?,
                Component::Normal(n) => at(base, n, DIR).map_err(|e| explain(e, &walked))?,
                Component::Prefix(_) => continue,
            };
            dir = Some(next);
        }
        Ok((dir, last))
    }

    pub(super) fn open(path: &Path) -> io::Result<File> {
        let (dir, name) = parent(path)?;
        let base = dir.as_ref().map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
        // O_NONBLOCK: a FIFO put in the file's place does not hang the reader.
        let fd =
            at(base, &name, libc::O_RDONLY | libc::O_NONBLOCK).map_err(|e| explain(e, path))?;
        Ok(File::from(fd))
    }

    pub(super) fn rename(from: &Path, to: &Path) -> io::Result<()> {
        let (a, an) = parent(from)?;
        let (b, bn) = parent(to)?;
        let (an, bn) = (c_name(&an)?, c_name(&bn)?);
        let fd = |d: &Option<OwnedFd>| d.as_ref().map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
        // SAFETY: valid descriptors (or AT_FDCWD) and C strings.
        let r = unsafe { libc::renameat(fd(&a), an.as_ptr(), fd(&b), bn.as_ptr()) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    fn check(path: &Path) -> io::Result<()> {
        match path.ancestors().find(|a| super::is_link(a)) {
            Some(l) => Err(super::link_error(l)),
            None => Ok(()),
        }
    }

    pub(super) fn open(path: &Path) -> io::Result<File> {
        check(path)?;
        File::open(path)
    }

    pub(super) fn rename(from: &Path, to: &Path) -> io::Result<()> {
        check(from)?;
        if let Some(p) = to.parent() {
            check(p)?;
        }
        std::fs::rename(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_anywhere_on_the_way_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("in/sub")).unwrap();
        std::fs::create_dir_all(root.join("out")).unwrap();
        std::fs::write(root.join("in/sub/a.txt"), "a").unwrap();
        std::fs::write(root.join("out/secret.txt"), "s").unwrap();
        std::os::unix::fs::symlink(root.join("out"), root.join("in/dirlink")).unwrap();
        std::os::unix::fs::symlink(root.join("out/secret.txt"), root.join("in/file.txt")).unwrap();
        assert!(open(&root.join("in/sub/a.txt")).is_ok());
        for p in ["in/dirlink/secret.txt", "in/file.txt"] {
            let e = open(&root.join(p)).unwrap_err().to_string();
            assert!(e.contains("is a symbolic link"), "{p}: {e}");
        }
        assert_eq!(
            first_link(&root.join("in"), &root.join("in/dirlink/secret.txt")),
            Some(root.join("in/dirlink"))
        );
        assert_eq!(
            first_link(&root.join("in"), &root.join("in/sub/a.txt")),
            None
        );
        // A link is never moved, nor is a file through a linked folder.
        assert!(rename(&root.join("in/file.txt"), &root.join("in/moved.txt")).is_err());
        assert!(rename(&root.join("in/dirlink/secret.txt"), &root.join("in/x.txt")).is_err());
        assert!(root.join("out/secret.txt").exists());
        rename(&root.join("in/sub/a.txt"), &root.join("in/b.txt")).unwrap();
        assert!(root.join("in/b.txt").exists());
    }
}
