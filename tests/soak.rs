//! Soak: 1,000 small files dropped in bursts through the real watcher, the daemon killed with
//! SIGKILL at random moments (at least 20 times) and restarted, with `move_originals` on; the
//! `checksum` pipeline stands in for the model. Then every file must have exactly one terminal
//! row with exactly one result, no document may have been claimed again after it completed, and
//! every original must be in `processed/` or `failed/` exactly once, unchanged, with the row's
//! `moved_to` naming it — none left behind in the drop folder. Bounded: gives up after 5 minutes.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use support::daemon::*;
use support::*;

const FILES: usize = 1000;
const KILLS: usize = 20;

#[test]
fn a_thousand_files_survive_twenty_sigkills() {
    let env = Env::new();
    let vars = [
        ("ZOPILOT_PIPELINE", "checksum"),
        ("ZOPILOT_STABILITY_WINDOW_MS", "200"),
        ("ZOPILOT_LEASE_SECONDS", "30"),
        // 15 ms of simulated model time per document, so that kills land mid-document.
        ("ZOPILOT_CHECKSUM_STAGE_MS", "15"),
        ("ZOPILOT_MOVE_ORIGINALS", "true"),
    ];
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x50a4_2024u64);
    eprintln!("SOAK_SEED={seed}");
    let mut rng = Rng(seed);
    let drop = env.drop_folder();
    std::fs::create_dir_all(drop.join("bulk")).unwrap();
    let mut written: Vec<(std::path::PathBuf, String)> = Vec::new();
    let t0 = Instant::now();
    let mut kills = 0;
    while kills < KILLS || written.len() < FILES {
        let d = start_with(&env, &vars);
        // A burst while it runs (sometimes none), then a kill at a random moment.
        let burst = (rng.below(90)).min(FILES - written.len());
        for _ in 0..burst {
            let i = written.len();
            let sub = if i.is_multiple_of(3) { "bulk" } else { "" };
            let p = drop.join(sub).join(format!("receipt-{i:04}.txt"));
            let body = format!("Receipt {i}\nTotal: {}.{:02} EUR\n", 10 + i, i % 100);
            std::fs::write(&p, &body).unwrap();
            written.push((p, body));
        }
        std::thread::sleep(Duration::from_millis(100 + rng.below(900) as u64));
        if kills < KILLS {
            d.kill9();
            kills += 1;
            // Files also arrive while the daemon is down (found by the start-up rescan).
            if rng.below(3) == 0 && written.len() < FILES {
                let i = written.len();
                let p = drop.join(format!("receipt-{i:04}.txt"));
                let body = format!("Receipt {i} (while down)\n");
                std::fs::write(&p, &body).unwrap();
                written.push((p, body));
            }
        } else {
            d.stop();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "soak did not finish in time"
        );
    }
    // A last run until everything is terminal.
    let d = start_with(&env, &vars);
    let db = Connection::open(env.path("data/zopilot.sqlite3")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (n, open): (i64, i64) = db
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(status NOT IN ('classified', 'preview_required', 'failed', 'dead', 'duplicate')), 0) FROM documents",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        if n as usize >= written.len() && open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{n} rows, {open} not terminal");
        std::thread::sleep(Duration::from_millis(200));
    }
    d.stop();

    // Exactly one row per file, terminal, with one result naming its content.
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut st = db
        .prepare("SELECT id, original_path, status, sha256, result_json, moved_to, move_pending FROM documents")
        .unwrap();
    let rows: Vec<Row> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), written.len(), "one row per file");
    let by_path: HashMap<&str, &Row> = rows.iter().map(|r| (r.1.as_str(), r)).collect();
    let drop_canon = drop.canonicalize().unwrap();
    let mut destinations = std::collections::HashSet::new();
    for (p, body) in &written {
        let canon = drop_canon
            .join(p.strip_prefix(&drop).unwrap())
            .to_string_lossy()
            .into_owned();
        let r = by_path
            .get(canon.as_str())
            .unwrap_or_else(|| panic!("{} was lost", p.display()));
        assert_eq!(r.2, "classified", "{}", p.display());
        let result: serde_json::Value = serde_json::from_str(r.4.as_ref().unwrap()).unwrap();
        assert_eq!(result["sha256"], r.3.as_str());
        assert_eq!(result["matches_queued_content"], true);
        // Moved exactly once, to processed/, unchanged; nothing left at the original path.
        assert!(r.6.is_none(), "{}: a move is still pending", p.display());
        let moved =
            r.5.as_ref()
                .unwrap_or_else(|| panic!("{}: moved_to not set", p.display()));
        assert!(moved.contains("/processed/"), "{moved}");
        assert!(
            destinations.insert(moved.clone()),
            "{moved} named by two rows"
        );
        assert_eq!(std::fs::read_to_string(moved).unwrap(), *body, "{moved}");
        assert!(!p.exists(), "{} was left behind", p.display());
    }
    // The drop folder holds nothing but the two destination folders and the (now empty) bulk/.
    let in_processed = std::fs::read_dir(drop.join("processed")).unwrap().count();
    let in_failed = std::fs::read_dir(drop.join("failed"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(
        in_processed + in_failed,
        written.len(),
        "each original moved exactly once"
    );
    for e in std::fs::read_dir(drop.join("bulk")).unwrap() {
        panic!("left behind: {}", e.unwrap().path().display());
    }
    // Exactly one completion per document, and no claim after it.
    let mut st = db
        .prepare("SELECT document_id, event FROM events ORDER BY id")
        .unwrap();
    let events: Vec<(i64, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut completed: HashMap<i64, usize> = HashMap::new();
    let mut interrupted = 0;
    for (id, ev) in &events {
        match ev.as_str() {
            "completed" => *completed.entry(*id).or_default() += 1,
            "claimed" => assert!(
                !completed.contains_key(id),
                "document {id} was claimed again after it completed"
            ),
            "recovered" => interrupted += 1,
            _ => {}
        }
    }
    assert_eq!(completed.len(), written.len());
    assert!(
        completed.values().all(|&n| n == 1),
        "a document completed twice"
    );
    assert!(
        interrupted > 0,
        "no kill landed mid-document: the soak proved nothing"
    );
    eprintln!(
        "soak: {} files, {kills} SIGKILLs, {interrupted} documents recovered from an interrupted run, {:.1} s",
        written.len(),
        t0.elapsed().as_secs_f64()
    );
}
