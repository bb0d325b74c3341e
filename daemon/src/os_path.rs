//! Paths as the operating system spells them, kept losslessly: a file name need not be UTF-8
//! (Latin-1 names from old archives are common), so a path is stored and sent as its raw bytes
//! (Unix: the bytes of the name; elsewhere its text) and shown to people lossily
//! (`to_string_lossy`, U+FFFD for what is not UTF-8).

use std::path::{Path, PathBuf};

/// The raw bytes of `path`.
pub fn to_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The path whose raw bytes are `bytes` (see [`to_bytes`]).
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// `#[serde(with = "crate::os_path::hex")]`: a path as the hex of its raw bytes, so that a JSON
/// message (the extraction child's request) carries any file name.
pub mod hex {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize `p` as hex.
    pub fn serialize<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&::hex::encode(super::to_bytes(p)))
    }

    /// Deserialize a path from hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        let t = String::deserialize(d)?;
        let b = ::hex::decode(t).map_err(serde::de::Error::custom)?;
        Ok(super::from_bytes(&b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn latin1_names_survive_bytes_and_json() {
        let p = from_bytes(b"/in/facture-\xe9t\xe9.pdf");
        assert_eq!(to_bytes(&p), b"/in/facture-\xe9t\xe9.pdf");
        assert_eq!(p.to_string_lossy(), "/in/facture-\u{FFFD}t\u{FFFD}.pdf");
        #[derive(serde::Serialize, serde::Deserialize)]
        struct M {
            #[serde(with = "super::hex")]
            path: PathBuf,
        }
        let j = serde_json::to_string(&M { path: p.clone() }).unwrap();
        assert_eq!(serde_json::from_str::<M>(&j).unwrap().path, p);
    }
}
