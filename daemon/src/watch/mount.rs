//! Is a folder on a network or FUSE file system, where OS file events are unreliable or absent
//! (changes made on the server or by the FUSE daemon never reach inotify)? On Linux, from
//! `/proc/self/mountinfo` (format: `proc(5)`): the mount whose mount point is the longest prefix
//! of the folder, and its file-system type after the ` - ` separator.

use std::path::Path;

/// File-system types that are watched by polling.
fn is_remote(fstype: &str) -> bool {
    matches!(
        fstype,
        "cifs"
            | "smb3"
            | "smbfs"
            | "nfs"
            | "nfs4"
            | "9p"
            | "virtiofs"
            | "davfs"
            | "ceph"
            | "glusterfs"
            | "afs"
            | "sshfs"
    ) || (fstype.starts_with("fuse.") || fstype == "fuse")
}

/// Undo mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `(mount point, file-system type, source)` of every line of a mountinfo text.
pub fn parse(mountinfo: &str) -> Vec<(String, String, String)> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (pre, post) = l.split_once(" - ")?;
            let mount_point = unescape(pre.split(' ').nth(4)?);
            let mut post = post.split(' ');
            let fstype = post.next()?.to_string();
            let source = unescape(post.next().unwrap_or(""));
            Some((mount_point, fstype, source))
        })
        .collect()
}

/// The file-system type `folder` lives on, per `mountinfo`.
pub fn fstype_of(folder: &Path, mountinfo: &str) -> Option<String> {
    parse(mountinfo)
        .into_iter()
        .filter(|(mp, _, _)| folder.starts_with(mp))
        .max_by_key(|(mp, _, _)| mp.len())
        .map(|(_, t, _)| t)
}

/// Whether `folder` should be polled, and why (the file-system type), on this machine.
pub fn needs_polling(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let t = fstype_of(folder, &text)?;
    is_remote(&t).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /home/ann/GoogleDrive rw,nosuid shared:20 - fuse.google-drive-ocamlfuse google-drive-ocamlfuse rw,user_id=1000
41 22 0:36 / /mnt/office\\040share rw,relatime shared:21 - cifs //nas/office rw,vers=3.0
42 22 0:37 / /home/ann/gdrive rw shared:22 - fuse.rclone gdrive: rw,user_id=1000
43 22 0:38 / /mnt/usb rw shared:23 - fuseblk /dev/sdb1 rw
";

    #[test]
    fn remote_and_fuse_mounts_are_polled() {
        let f = |p: &str| fstype_of(Path::new(p), MOUNTINFO).unwrap();
        assert_eq!(f("/home/ann/Zopilot/Inbox"), "ext4");
        assert_eq!(
            f("/home/ann/GoogleDrive/Zopilot"),
            "fuse.google-drive-ocamlfuse"
        );
        assert_eq!(f("/mnt/office share/invoices"), "cifs");
        assert_eq!(f("/home/ann/gdrive/My Drive"), "fuse.rclone");
        assert!(is_remote(&f("/home/ann/GoogleDrive/x")));
        assert!(is_remote(&f("/mnt/office share")));
        assert!(!is_remote(&f("/home/ann/Zopilot")));
        assert!(
            !is_remote(&f("/mnt/usb/x")),
            "fuseblk (local NTFS) gets events"
        );
        assert_eq!(parse(MOUNTINFO)[3].2, "gdrive:");
    }
}
