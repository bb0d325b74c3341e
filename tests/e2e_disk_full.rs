//! A full disk, for real: the data folder on a small tmpfs (root only; without root, or where
//! the mount fails, each test says so and passes — the failing store's unit tests in
//! `daemon/src/worker/tests.rs` cover the same paths). A result that cannot be written releases
//! the document at once, not counted as an attempt, and it is done when space returns; an upload
//! is refused with 507 in the JSON shape; the watcher backs off instead of logging a line per
//! tick.
#![cfg(target_os = "linux")]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::daemon::*;
use support::*;

const CHECKSUM: (&str, &str) = ("ZOPILOT_PIPELINE", "checksum");

/// A tmpfs mounted at a folder, unmounted on drop.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Mount a tmpfs of `size` (e.g. "8m") at `dir`; `None` (with a message) without root or when
/// the mount fails.
fn tmpfs(dir: &Path, size: &str) -> Option<Tmpfs> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "skipped: mounting a tmpfs needs root (the failing store's unit tests cover this)"
        );
        return None;
    }
    std::fs::create_dir_all(dir).unwrap();
    let ok = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0700"),
            "tmpfs",
        ])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot mount a tmpfs at {}", dir.display());
        return None;
    }
    Some(Tmpfs(dir.to_path_buf()))
}

/// Fill the file system of `dir` with `dir/filler` until it is full.
fn fill(dir: &Path) -> PathBuf {
    let p = dir.join("filler");
    let mut f = std::fs::File::create(&p).unwrap();
    let block = vec![0xAAu8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    p
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Document 1, or `Null` while there is none (or the read failed).
fn first_document(d: &Daemon) -> serde_json::Value {
    ureq::get(&format!("{}/documents/1", d.base))
        .set("X-API-Key", &d.key)
        .call()
        .ok()
        .and_then(|r| r.into_json().ok())
        .unwrap_or_default()
}

fn log(env: &Env) -> String {
    std::fs::read_to_string(env.path("daemon.log")).unwrap_or_default()
}

#[test]
fn a_result_written_on_a_full_disk_releases_the_document_and_it_is_done_when_space_returns() {
    let env = Env::new();
    let Some(_mount) = tmpfs(&env.path("data"), "16m") else {
        return;
    };
    // A stage long enough to fill the disk while the document is in flight; a lease far longer
    // than the test, so only a release can bring the document back.
    let d = start_with(
        &env,
        &[
            CHECKSUM,
            ("ZOPILOT_CHECKSUM_STAGE_MS", "3000"),
            ("ZOPILOT_LEASE_SECONDS", "3600"),
        ],
    );
    std::fs::write(env.drop_folder().join("a.txt"), "invoice a").unwrap();
    wait_until("the claim", Duration::from_secs(30), || {
        first_document(&d)["status"] == "extracting"
    });
    let filler = fill(&env.path("data"));
    wait_until("the failed write", Duration::from_secs(30), || {
        log(&env).contains("cannot store the result")
    });
    std::fs::remove_file(filler).unwrap();
    wait_until("the document done", Duration::from_secs(120), || {
        first_document(&d)["status"] == "classified"
    });
    let doc = first_document(&d);
    assert_eq!(
        doc["attempts"], 1,
        "the failed write counted as an attempt: {doc}"
    );
    assert!(doc["error"].is_null(), "{doc}");
    d.stop();
}

#[test]
fn an_upload_on_a_full_disk_is_507_in_the_json_shape() {
    let env = Env::new();
    let Some(_mount) = tmpfs(&env.path("data"), "16m") else {
        return;
    };
    let d = start_with(&env, &[CHECKSUM]);
    let filler = fill(&env.path("data"));
    let r = ureq::post(&format!("{}/documents?name=big.pdf", d.base))
        .set("X-API-Key", &d.key)
        .send_bytes(&vec![b'%'; 256 * 1024]);
    let (code, body): (u16, serde_json::Value) = match r {
        Ok(r) => (r.status(), r.into_json().unwrap()),
        Err(ureq::Error::Status(c, r)) => (c, r.into_json().unwrap()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(code, 507, "{body}");
    assert_eq!(body["success"], false);
    assert!(body["error"].as_str().unwrap().contains("full"), "{body}");
    // Nothing half-stored.
    let uploads = env.path("data/uploads");
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_file(filler).unwrap();
    d.stop();
}

#[test]
fn the_watcher_backs_off_while_the_database_cannot_enqueue() {
    let env = Env::new();
    let Some(_mount) = tmpfs(&env.path("data"), "16m") else {
        return;
    };
    let d = start_with(&env, &[CHECKSUM]);
    let filler = fill(&env.path("data"));
    for i in 0..5 {
        std::fs::write(
            env.drop_folder().join(format!("f{i}.txt")),
            format!("invoice {i}"),
        )
        .unwrap();
    }
    wait_until("a refused enqueue", Duration::from_secs(30), || {
        log(&env).contains("cannot enqueue")
    });
    // Ten seconds of a full disk: 0.5 + 1 + 2 + 4 s … is at most five steps (a line per tick
    // would be a hundred).
    std::thread::sleep(Duration::from_secs(10));
    let lines = log(&env).matches("cannot enqueue").count();
    assert!((1..=6).contains(&lines), "{lines} lines:\n{}", log(&env));
    std::fs::remove_file(filler).unwrap();
    wait_until(
        "all five enqueued and done",
        Duration::from_secs(120),
        || {
            d.get("/documents")["documents"]
                .as_array()
                .is_some_and(|a| a.len() == 5 && a.iter().all(|x| x["status"] == "classified"))
        },
    );
    d.stop();
}
