//! Safe at the edges, with the real daemon (`pipeline = "checksum"`, so no model) on real
//! folders: symbolic links in the drop folder are never followed (at start or later, file or
//! folder links; the API serves no original through one); file names that are not UTF-8;
//! originals never left without a trace (a re-dropped file after its first copy was moved, a
//! blocked move retried also after a restart); every private path tightened at start.
#![cfg(unix)]

mod support;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

use support::daemon::*;
use support::*;

const CHECKSUM: (&str, &str) = ("ZOPILOT_PIPELINE", "checksum");
const MOVE: (&str, &str) = ("ZOPILOT_MOVE_ORIGINALS", "true");

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn documents(d: &Daemon) -> Vec<serde_json::Value> {
    d.get("/documents?limit=100")["documents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Status code and body of an authorized GET.
fn get_raw(d: &Daemon, path: &str) -> (u16, Vec<u8>) {
    let r = ureq::get(&format!("{}{path}", d.base))
        .set("Authorization", &format!("Bearer {}", d.key))
        .call();
    let (code, resp) = match r {
        Ok(r) => (r.status(), r),
        Err(ureq::Error::Status(c, r)) => (c, r),
        Err(e) => panic!("{e}"),
    };
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut body).unwrap();
    (code, body)
}

fn log(env: &Env) -> String {
    std::fs::read_to_string(env.path("daemon.log")).unwrap_or_default()
}

/// `zopilot ARGS` in `env` (no Drive detection); stdout.
fn cli(env: &Env, args: &[&str]) -> String {
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_WATCH_DRIVE", "false")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn symbolic_links_in_the_drop_folder_are_never_followed() {
    let env = Env::new();
    let drop = env.drop_folder();
    let outside = env.path("outside");
    std::fs::create_dir_all(outside.join("deep")).unwrap();
    std::fs::create_dir_all(&drop).unwrap();
    std::fs::write(outside.join("secret.txt"), "outside invoice").unwrap();
    std::fs::write(outside.join("deep/other.pdf"), "%PDF outside").unwrap();
    // A folder link present at start.
    symlink(&outside, drop.join("at-start")).unwrap();
    let d = start_with(&env, &[CHECKSUM, MOVE]);
    // Links made while it runs: a folder outside, /etc/passwd, the API key file, and a file
    // link inside a new folder.
    symlink(&outside, drop.join("linked-folder")).unwrap();
    symlink("/etc/passwd", drop.join("passwd.txt")).unwrap();
    symlink(env.path("config/api_key"), drop.join("key.txt")).unwrap();
    std::fs::create_dir_all(drop.join("new")).unwrap();
    symlink(outside.join("secret.txt"), drop.join("new/secret.txt")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(outside.join("later.txt"), "written through no link").unwrap();
    // A real document after the links: once it is done, the links were seen too.
    std::fs::write(drop.join("real.txt"), "a real invoice").unwrap();
    wait_until("the real document", Duration::from_secs(30), || {
        documents(&d).iter().any(|x| x["status"] == "classified")
    });
    std::thread::sleep(Duration::from_secs(2));
    let docs = documents(&d);
    let names: Vec<&str> = docs
        .iter()
        .filter_map(|x| x["file_name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["real.txt"],
        "only the real file is queued: {docs:?}"
    );
    // Nothing outside the drop folder was moved.
    for f in ["secret.txt", "deep/other.pdf", "later.txt"] {
        assert!(outside.join(f).is_file(), "{f} was moved");
    }
    // Each skipped link is logged once, with its path.
    let text = log(&env);
    for l in [
        "at-start",
        "linked-folder",
        "passwd.txt",
        "key.txt",
        "new/secret.txt",
    ] {
        let p = drop.join(l);
        let lines = text
            .lines()
            .filter(|x| x.contains("symbolic link not followed") && x.contains(p.to_str().unwrap()))
            .count();
        assert_eq!(lines, 1, "{l} logged {lines} times:\n{text}");
    }
    // `zopilot sources` lists them with their targets.
    let out = cli(&env, &["sources"]);
    assert!(out.contains("passwd.txt -> /etc/passwd"), "{out}");
    assert!(
        out.contains(&format!("linked-folder -> {}", outside.display())),
        "{out}"
    );
    // An original replaced by a link is not served.
    let id = docs[0]["id"].as_i64().unwrap();
    let (code, body) = get_raw(&d, &format!("/documents/{id}/file"));
    assert_eq!((code, body.as_slice()), (200, b"a real invoice".as_slice()));
    let moved = drop.join("processed/real.txt");
    wait_until("the move", Duration::from_secs(10), || moved.is_file());
    std::fs::remove_file(&moved).unwrap();
    symlink("/etc/passwd", &moved).unwrap();
    let (code, body) = get_raw(&d, &format!("/documents/{id}/file"));
    assert_eq!(code, 404, "{}", String::from_utf8_lossy(&body));
    assert!(!String::from_utf8_lossy(&body).contains("root:"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_name_that_is_not_utf8_is_processed_moved_and_shown_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    // A Latin-1 name from an old archive: "facture-été.txt".
    let name = std::ffi::OsStr::from_bytes(b"facture-\xe9t\xe9.txt");
    // Read through the extraction child (`zopilot text`).
    let loose = env.path("loose");
    std::fs::create_dir_all(&loose).unwrap();
    std::fs::write(loose.join(name), "Facture 12\nTotal 10,00 EUR\n").unwrap();
    let out = env
        .command(&profile("taylors-store.toml"))
        .arg("text")
        .arg(loose.join(name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Total 10,00 EUR"));
    // Queued, processed and moved by the daemon.
    let d = start_with(&env, &[CHECKSUM, MOVE]);
    std::fs::write(env.drop_folder().join(name), "Facture 12").unwrap();
    wait_until("the document", Duration::from_secs(30), || {
        documents(&d)
            .iter()
            .any(|x| x["status"] != "queued" && x["status"] != "extracting")
    });
    let doc = documents(&d)[0].clone();
    assert_eq!(doc["status"], "classified", "{doc}");
    assert_eq!(doc["file_name"], "facture-\u{FFFD}t\u{FFFD}.txt");
    let moved = env.drop_folder().join("processed").join(name);
    wait_until("the move", Duration::from_secs(10), || moved.is_file());
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), "Facture 12");
    let id = doc["id"].as_i64().unwrap();
    let (code, body) = get_raw(&d, &format!("/documents/{id}/file"));
    assert_eq!((code, body.as_slice()), (200, b"Facture 12".as_slice()));
}

#[test]
fn the_same_file_dropped_again_after_its_move_gets_a_row() {
    let env = Env::new();
    let d = start_with(&env, &[CHECKSUM, MOVE]);
    let path = env.drop_folder().join("again.txt");
    std::fs::write(&path, "invoice 7").unwrap();
    let moved = env.drop_folder().join("processed/again.txt");
    wait_until("the first copy moved", Duration::from_secs(30), || {
        moved.is_file()
    });
    std::fs::write(&path, "invoice 7").unwrap();
    wait_until("a row for the second copy", Duration::from_secs(30), || {
        documents(&d).len() == 2
    });
    let docs = documents(&d);
    let (second, first) = (&docs[0], &docs[1]);
    assert_eq!(second["status"], "duplicate", "{second}");
    assert_eq!(second["duplicate_of"], first["id"], "{docs:?}");
}

/// How many times document `id`'s move was found blocked (its `move_blocked` events).
fn blocked_tries(env: &Env, id: i64) -> i64 {
    let c = rusqlite::Connection::open(env.path("data/zopilot.sqlite3")).unwrap();
    c.query_row(
        "SELECT COUNT(*) FROM events WHERE document_id = ?1 AND event = 'move_blocked'",
        [id],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

#[test]
fn a_blocked_move_is_shown_and_retried_also_after_a_restart() {
    let env = Env::new();
    let drop = env.drop_folder();
    std::fs::create_dir_all(&drop).unwrap();
    // A file where the `processed` folder should be.
    std::fs::write(drop.join("processed"), "not a folder").unwrap();
    let d = start_with(&env, &[CHECKSUM, MOVE]);
    std::fs::write(drop.join("b.txt"), "invoice b").unwrap();
    wait_until("the blocked move", Duration::from_secs(30), || {
        documents(&d)
            .first()
            .is_some_and(|x| x["move_error"].is_string())
    });
    let doc = documents(&d)[0].clone();
    let id = doc["id"].as_i64().unwrap();
    assert_eq!(doc["status"], "classified", "{doc}");
    assert!(
        doc["move_error"].as_str().unwrap().contains("not moved"),
        "{doc}"
    );
    assert!(doc["move_pending"].is_string(), "{doc}");
    let status = d.get("/status");
    assert_eq!(status["moves_blocked"][0]["id"], id, "{status}");
    let out = cli(&env, &["status"]);
    assert!(
        out.contains(&format!("move blocked: document {id}")),
        "{out}"
    );
    // Tried again with back-off while it runs …
    wait_until("a second try", Duration::from_secs(30), || {
        blocked_tries(&env, id) >= 2
    });
    d.stop();
    // … and at the next start.
    let tries = blocked_tries(&env, id);
    let d = start_with(&env, &[CHECKSUM, MOVE]);
    wait_until("a try at start", Duration::from_secs(30), || {
        blocked_tries(&env, id) > tries
    });
    assert!(drop.join("b.txt").is_file());
    // The blocker goes: a later try moves the original.
    std::fs::remove_file(drop.join("processed")).unwrap();
    wait_until("the move", Duration::from_secs(60), || {
        drop.join("processed/b.txt").is_file()
    });
    wait_until("the row", Duration::from_secs(10), || {
        let x = d.get(&format!("/documents/{id}"));
        x["moved_to"].is_string() && x["move_error"].is_null() && x["move_pending"].is_null()
    });
    assert!(d.get("/status")["moves_blocked"]
        .as_array()
        .unwrap()
        .is_empty());
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

#[test]
fn start_up_makes_every_private_path_private_and_says_so() {
    let env = Env::new();
    let (config, uploads) = (
        env.path("config"),
        env.path("data/uploads/20240101T000000-1"),
    );
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(&uploads).unwrap();
    let key = config.join("api_key");
    std::fs::write(
        &key,
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    )
    .unwrap();
    std::fs::write(uploads.join("invoice.pdf"), "%PDF uploaded").unwrap();
    // As an older version (or a hand) left them.
    set_mode(&config, 0o755);
    set_mode(&key, 0o644);
    set_mode(&env.path("data/uploads"), 0o755);
    set_mode(&uploads, 0o755);
    set_mode(&uploads.join("invoice.pdf"), 0o644);
    let d = start_with(&env, &[CHECKSUM]);
    assert_eq!(mode(&config), 0o700, "config folder");
    assert_eq!(mode(&key), 0o600, "API key file");
    assert_eq!(mode(&env.path("data/uploads")), 0o700, "uploads");
    assert_eq!(mode(&uploads), 0o700, "an upload's folder");
    assert_eq!(
        mode(&uploads.join("invoice.pdf")),
        0o600,
        "an uploaded file"
    );
    let text = log(&env);
    for p in [&config, &key, &uploads.join("invoice.pdf")] {
        assert!(
            text.lines()
                .any(|l| l.contains("made private") && l.contains(p.to_str().unwrap())),
            "{} not logged:\n{text}",
            p.display()
        );
    }
    d.stop();
}
