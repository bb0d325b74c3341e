//! Several daemons, one PostgreSQL store, one shared drop folder (a firm's desktops watching one
//! Google Drive folder): every file is processed once and its original moved once, through
//! `kill -9` of random daemons mid-document; a killed daemon's document is finished by another
//! when its lease runs out; what one daemon imports into the books, the others read. The real
//! binary, a real PostgreSQL server on loopback (`support::postgres`), the checksum pipeline
//! (the queue's semantics without a model).

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use support::daemon::{self, Daemon};
use support::{Env, Rng};

const FILES: usize = 90;

fn start(env: &Env, url: &str, drop_dir: &Path) -> Daemon {
    daemon::start_with(
        env,
        &[
            ("ZOPILOT_DATABASE_URL", url),
            ("ZOPILOT_DROP_FOLDER", drop_dir.to_str().unwrap()),
            ("ZOPILOT_PIPELINE", "checksum"),
            ("ZOPILOT_CHECKSUM_STAGE_MS", "250"),
            ("ZOPILOT_MOVE_ORIGINALS", "true"),
            ("ZOPILOT_LEASE_SECONDS", "5"),
            ("ZOPILOT_RETRY_BASE_MS", "100"),
            ("ZOPILOT_POLL_INTERVAL_MS", "300"),
        ],
    )
}

fn db(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// The worker instance of each environment (its data folder), as the daemon computes it.
fn instance(env: &Env) -> String {
    zopilot::worker::instance_id(&env.path("data"))
}

#[test]
fn three_daemons_share_one_queue_and_each_file_is_processed_and_moved_once_through_kills() {
    let url = support::postgres::fresh_database();
    let shared = Env::new();
    let drop_dir = shared.drop_folder();
    std::fs::create_dir_all(&drop_dir).unwrap();
    let envs: Vec<Env> = (0..3).map(|_| Env::new()).collect();
    let mut running: Vec<Option<Daemon>> = envs
        .iter()
        .map(|e| Some(start(e, &url, &drop_dir)))
        .collect();
    let staging = shared.path("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let mut rng = Rng(0x5eed_f17e);
    let mut contents = BTreeSet::new();
    let mut kills = 0;
    for i in 0..FILES {
        let body = format!("Invoice {i}\nTotal: {}.{:02} EUR\n", 100 + i, i % 100);
        contents.insert({
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(body.as_bytes()))
        });
        let tmp = staging.join(format!("{i}.txt"));
        std::fs::write(&tmp, &body).unwrap();
        std::fs::rename(&tmp, drop_dir.join(format!("invoice-{i:03}.txt"))).unwrap();
        if i % 12 == 11 {
            // kill -9 a random daemon and start it again (its recovery takes its claims back).
            let k = rng.below(3);
            running[k].take().unwrap().kill9();
            kills += 1;
            std::thread::sleep(Duration::from_millis(200));
            running[k] = Some(start(&envs[k], &url, &drop_dir));
        }
    }
    // Each daemon's status shows the whole firm's work: documents other desktops hold, with
    // their machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    let watcher = running.iter().position(Option::is_some).unwrap();
    loop {
        let st = running[watcher].as_ref().unwrap().get("/status");
        assert_eq!(
            st["instance"].as_str(),
            Some(instance(&envs[watcher]).as_str())
        );
        let others = st["current"].as_array().unwrap().iter().any(|c| {
            c["instance"] != st["instance"]
                && envs
                    .iter()
                    .any(|e| c["instance"].as_str() == Some(instance(e).as_str()))
                && c["machine"].as_str().is_some_and(|m| !m.is_empty())
        });
        if others {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never saw another desktop's document: {st}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // One more kill, of a daemon that holds a document, and no restart: another daemon must
    // take that document over when its lease expires.
    let mut c = db(&url);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (victim, held) = loop {
        let rows = c
            .query(
                "SELECT id, lease_owner FROM documents WHERE status IN ('extracting', 'classifying', 'mapping')",
                &[],
            )
            .unwrap();
        let found = rows.iter().find_map(|r| {
            let owner: String = r.get(1);
            envs.iter()
                .position(|e| owner.starts_with(&format!("{}/", instance(e))))
                .map(|k| (k, r.get::<_, i64>(0)))
        });
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "no daemon ever held a document");
        std::thread::sleep(Duration::from_millis(20));
    };
    running[victim].take().unwrap().kill9();
    kills += 1;

    // Everything ends, nothing twice.
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let open: i64 = c
            .query_one(
                "SELECT COUNT(*) FROM documents WHERE status NOT IN ('classified', 'failed', 'dead', 'duplicate')
                    OR move_pending IS NOT NULL",
                &[],
            )
            .unwrap()
            .get(0);
        let rows: i64 = c
            .query_one("SELECT COUNT(*) FROM documents", &[])
            .unwrap()
            .get(0);
        if open == 0 && rows >= FILES as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} of {rows} documents still open"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let rows = c
        .query(
            "SELECT id, sha256, status, moved_to FROM documents ORDER BY id",
            &[],
        )
        .unwrap();
    assert_eq!(
        rows.len(),
        FILES,
        "one row per file: none lost, none duplicated"
    );
    let shas: BTreeSet<String> = rows.iter().map(|r| r.get(1)).collect();
    assert_eq!(shas, contents, "every dropped file has its document");
    for r in &rows {
        let id: i64 = r.get(0);
        assert_eq!(r.get::<_, &str>(2), "classified", "document {id}");
        let moved: Option<String> = r.get(3);
        assert!(
            moved.is_some_and(|m| m.contains("/processed/")),
            "document {id}"
        );
        let completed: i64 = c
            .query_one(
                "SELECT COUNT(*) FROM events WHERE document_id = $1 AND event = 'completed'",
                &[&id],
            )
            .unwrap()
            .get(0);
        assert_eq!(completed, 1, "document {id} completed once");
    }
    // Every original moved exactly once: all in processed/, none left, none copied.
    let processed: Vec<_> = std::fs::read_dir(drop_dir.join("processed"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(processed.len(), FILES);
    let moved: BTreeSet<String> = processed
        .iter()
        .map(|e| support::sha256(&e.path()))
        .collect();
    assert_eq!(moved, contents);
    let left: Vec<_> = std::fs::read_dir(&drop_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .collect();
    assert!(left.is_empty(), "left in the drop folder: {left:?}");
    // The killed daemon's document was taken over by another after its lease.
    let owner: String = c
        .query_one(
            "SELECT worker FROM events WHERE document_id = $1 AND event = 'completed'",
            &[&held],
        )
        .unwrap()
        .get(0);
    assert!(
        !owner.starts_with(&format!("{}/", instance(&envs[victim]))),
        "{owner}"
    );
    let attempts: i64 = c
        .query_one("SELECT attempts FROM documents WHERE id = $1", &[&held])
        .unwrap()
        .get(0);
    assert!(attempts >= 2, "taken over, so claimed again: {attempts}");
    let again: i64 = c
        .query_one("SELECT COUNT(*) FROM events WHERE event IN ('recovered', 'claimed') AND detail <> 'attempt 1'", &[])
        .unwrap()
        .get(0);
    eprintln!("{FILES} files, {kills} kills, {again} documents recovered or claimed again: every file processed and moved once");

    // The books are shared: imported through one daemon's command line, read by another's.
    let accounts =
        support::repo_root().join("tests/fixtures/books/Taylor's Store_Account List.csv");
    let profile = support::profile("taylors-store.toml");
    let a = (victim + 1) % 3;
    let b = (victim + 2) % 3;
    let out = envs[a]
        .command(&profile)
        .env("ZOPILOT_DATABASE_URL", &url)
        .args(["books", "import"])
        .arg(&accounts)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = envs[b]
        .command(&profile)
        .env("ZOPILOT_DATABASE_URL", &url)
        .args(["books", "show", "accounts"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = listed.to_string();
    assert!(text.contains("\"Office Supplies\""), "{text}");
    drop(running);
}
