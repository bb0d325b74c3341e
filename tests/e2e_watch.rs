//! Folder watching end to end with the real daemon (`pipeline = "checksum"`, so no model):
//! slow writers, rename-into, copies, temporary names, polling mode, exact duplicates, pause
//! across a restart.

mod support;

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use support::daemon::*;
use support::*;

const CHECKSUM: (&str, &str) = ("ZOPILOT_PIPELINE", "checksum");

fn db(env: &Env) -> Connection {
    Connection::open(env.path("data/zopilot.sqlite3")).unwrap()
}

/// `(id, file_name, status, sha256, created_ms)` of every document.
fn rows(env: &Env) -> Vec<(i64, String, String, String, i64)> {
    let c = db(env);
    let mut st = c
        .prepare(
            "SELECT d.id, d.file_name, d.status, d.sha256,
                    (SELECT MIN(at_ms) FROM events e WHERE e.document_id = d.id)
             FROM documents d ORDER BY d.id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn names(env: &Env) -> Vec<String> {
    rows(env).into_iter().map(|r| r.1).collect()
}

#[test]
fn a_slowly_written_20_mb_file_is_enqueued_once_after_the_last_write() {
    let env = Env::new();
    let _d = start_with(&env, &[CHECKSUM, ("ZOPILOT_STABILITY_WINDOW_MS", "1000")]);
    let path = env.drop_folder().join("big scan.pdf");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0x25u8; 64 * 1024];
    // 20 MiB in 320 blocks, 4 s in all: pauses (15 ms) well inside the 1 s window.
    for i in 0..320 {
        f.write_all(&block).unwrap();
        f.flush().unwrap();
        if i % 4 == 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(f);
    let last_write = now_ms();
    wait_until("the document", Duration::from_secs(20), || {
        rows(&env).iter().any(|r| r.2 == "classified")
    });
    std::thread::sleep(Duration::from_millis(1500));
    let r = rows(&env);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].3, sha256(&path), "hashed the complete file");
    assert!(
        r[0].4 >= last_write + 900,
        "enqueued {} ms after the last write",
        r[0].4 - last_write
    );
}

#[test]
fn renamed_in_and_copied_files_are_picked_up_temporary_names_never() {
    let env = Env::new();
    let _d = start_with(&env, &[CHECKSUM]);
    let outside = env.path("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    // Moved in from another folder of the same file system: only a rename event fires.
    std::fs::write(outside.join("moved.pdf"), "%PDF-1.4 moved").unwrap();
    std::fs::rename(
        outside.join("moved.pdf"),
        env.drop_folder().join("moved.pdf"),
    )
    .unwrap();
    // Copied in.
    std::fs::write(outside.join("copied.txt"), "copied invoice").unwrap();
    std::fs::copy(
        outside.join("copied.txt"),
        env.drop_folder().join("copied.txt"),
    )
    .unwrap();
    // Into a subfolder.
    std::fs::create_dir_all(env.drop_folder().join("2024/March")).unwrap();
    std::fs::write(
        env.drop_folder().join("2024/March/nested.pdf"),
        "%PDF nested",
    )
    .unwrap();
    // Temporary names, which must never be enqueued.
    let temps = [
        ".~lock.invoice.pdf#",
        "~$invoice.pdf",
        ".hidden.pdf",
        "invoice.pdf~",
        "invoice.pdf.tmp",
        "invoice.pdf.temp",
        "invoice.pdf.part",
        "invoice.pdf.partial",
        "invoice.pdf.crdownload",
        "invoice.pdf.download",
        "invoice.pdf.gdownload",
        "invoice.pdf.swp",
    ];
    for t in temps {
        std::fs::write(env.drop_folder().join(t), format!("temp {t}")).unwrap();
    }
    for d in [".tmp.drivedownload", ".tmp.driveupload"] {
        std::fs::create_dir_all(env.drop_folder().join(d)).unwrap();
        std::fs::write(env.drop_folder().join(d).join("chunk.pdf"), d).unwrap();
    }
    wait_until("three documents", Duration::from_secs(20), || {
        names(&env).len() >= 3
    });
    std::thread::sleep(Duration::from_millis(1500));
    let mut n = names(&env);
    n.sort();
    assert_eq!(n, ["copied.txt", "moved.pdf", "nested.pdf"]);
}

#[test]
fn polling_mode_finds_files_without_events() {
    let env = Env::new();
    let d = start_with(
        &env,
        &[
            CHECKSUM,
            ("ZOPILOT_WATCH_MODE", "poll"),
            ("ZOPILOT_POLL_INTERVAL_MS", "300"),
        ],
    );
    let sources = d.get("/sources");
    assert_eq!(sources["sources"][0]["method"], "polling", "{sources}");
    std::fs::write(env.drop_folder().join("polled.pdf"), "%PDF polled").unwrap();
    wait_until("the polled document", Duration::from_secs(20), || {
        rows(&env)
            .iter()
            .any(|r| r.1 == "polled.pdf" && r.2 == "classified")
    });
}

#[test]
fn a_corpus_invoice_copied_under_a_new_name_is_an_exact_duplicate() {
    let env = Env::new();
    let _d = start_with(&env, &[CHECKSUM]);
    let src = corpus("pdf/i2d_oyo.pdf");
    std::fs::copy(&src, env.drop_folder().join("oyo.pdf")).unwrap();
    wait_until("the first copy", Duration::from_secs(20), || {
        rows(&env).iter().any(|r| r.2 == "classified")
    });
    std::fs::copy(&src, env.drop_folder().join("oyo (copy from email).pdf")).unwrap();
    wait_until("the second copy", Duration::from_secs(20), || {
        rows(&env).len() == 2
    });
    let c = db(&env);
    let (status, of, warnings): (String, Option<i64>, String) = c
        .query_row(
            "SELECT status, duplicate_of, warnings_json FROM documents WHERE file_name = 'oyo (copy from email).pdf'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let first = rows(&env)[0].0;
    assert_eq!((status.as_str(), of), ("duplicate", Some(first)));
    assert!(warnings.contains(&format!("exact duplicate of document {first}")));
    // No work was done on it.
    let claims: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM events e JOIN documents d ON d.id = e.document_id
             WHERE d.status = 'duplicate' AND e.event = 'claimed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(claims, 0);
}

#[test]
fn pause_survives_a_restart_and_resume_processes_what_waited() {
    let env = Env::new();
    let d = start_with(&env, &[CHECKSUM]);
    let (code, body) = d.post("/pause", serde_json::json!({}));
    assert_eq!((code, body["paused"].as_bool()), (200, Some(true)));
    assert_eq!(d.get("/status")["paused"], true);
    d.stop();
    let d = start_with(&env, &[CHECKSUM]);
    assert_eq!(
        d.get("/status")["paused"],
        true,
        "still paused after the restart"
    );
    std::fs::write(env.drop_folder().join("waits.pdf"), "%PDF waits").unwrap();
    wait_until("the document to be queued", Duration::from_secs(20), || {
        rows(&env).iter().any(|r| r.1 == "waits.pdf")
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        rows(&env)[0].2,
        "queued",
        "nothing is processed while paused"
    );
    let status = d.get("/status");
    assert_eq!(
        (
            status["queued"].as_i64(),
            status["by_source"]["drop_folder"]["queued"].as_i64()
        ),
        (Some(1), Some(1))
    );
    d.post("/resume", serde_json::json!({}));
    wait_until("processing after resume", Duration::from_secs(20), || {
        rows(&env)[0].2 == "classified"
    });
    assert_eq!(d.get("/status")["done"], 1);
}

#[test]
fn sigterm_past_the_grace_period_releases_the_document_unfinished() {
    let env = Env::new();
    let slow = [
        CHECKSUM,
        ("ZOPILOT_CHECKSUM_STAGE_MS", "6000"),
        ("ZOPILOT_SHUTDOWN_GRACE_MS", "300"),
    ];
    let d = start_with(&env, &slow);
    std::fs::write(env.drop_folder().join("slow.pdf"), "%PDF slow").unwrap();
    wait_until("the document in flight", Duration::from_secs(20), || {
        rows(&env).iter().any(|r| r.2 == "extracting")
    });
    let t0 = Instant::now();
    d.stop();
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "the grace period was not honoured"
    );
    let c = db(&env);
    let (status, attempts): (String, i64) = c
        .query_row("SELECT status, attempts FROM documents", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (status.as_str(), attempts),
        ("queued", 0),
        "released, not counted as an attempt"
    );
    let released: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM events WHERE event = 'released'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(released, 1);
    // The next run finishes it.
    let _d = start_with(&env, &[CHECKSUM]);
    wait_until("completion after restart", Duration::from_secs(20), || {
        rows(&env)[0].2 == "classified"
    });
}

#[test]
fn google_drive_folder_is_a_second_source_and_moves_stay_out_of_it() {
    let env = Env::new();
    let my_drive = env.path("gdrive/My Drive");
    std::fs::create_dir_all(my_drive.join("Zopilot")).unwrap();
    std::fs::write(my_drive.join("holiday.pdf"), "%PDF not for us").unwrap();
    let vars = [
        CHECKSUM,
        ("ZOPILOT_WATCH_DRIVE", "true"),
        ("ZOPILOT_DRIVE_FOLDER", my_drive.to_str().unwrap()),
        ("ZOPILOT_MOVE_ORIGINALS", "true"),
    ];
    let d = start_with(&env, &vars);
    let s = d.get("/sources");
    assert_eq!(s["sources"][1]["name"], "google_drive", "{s}");
    assert_eq!(s["sources"][1]["present"], true);
    std::fs::write(
        my_drive.join("Zopilot/drive-invoice.pdf"),
        "%PDF from drive",
    )
    .unwrap();
    std::fs::write(env.drop_folder().join("local-invoice.pdf"), "%PDF local").unwrap();
    wait_until("both documents", Duration::from_secs(20), || {
        rows(&env).iter().filter(|r| r.2 == "classified").count() == 2
    });
    std::thread::sleep(Duration::from_millis(300));
    let c = db(&env);
    let mut st = c
        .prepare("SELECT file_name, source, moved_to FROM documents ORDER BY file_name")
        .unwrap();
    let r: Vec<(String, String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        r.len(),
        2,
        "only the Zopilot subfolder of My Drive is watched: {r:?}"
    );
    assert_eq!(
        (r[0].0.as_str(), r[0].1.as_str()),
        ("drive-invoice.pdf", "google_drive")
    );
    assert_eq!(
        r[0].2, None,
        "Drive files are not moved unless move_in_drive"
    );
    assert!(my_drive.join("Zopilot/drive-invoice.pdf").exists());
    assert_eq!(
        (r[1].0.as_str(), r[1].1.as_str()),
        ("local-invoice.pdf", "drop_folder")
    );
    let moved = env.drop_folder().join("processed/local-invoice.pdf");
    assert_eq!(
        r[1].2.as_deref(),
        Some(moved.canonicalize().unwrap().to_str().unwrap())
    );
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), "%PDF local");
    assert!(my_drive.join("holiday.pdf").exists());
}
