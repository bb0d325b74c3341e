//! What several daemons on one database need, on every engine: two handles (two daemons)
//! claiming at the same time never take the same document, the same content enqueued by both at
//! once is one document and one duplicate, and — on PostgreSQL, where daemons share the queue —
//! start-up recovery leaves other daemons' claims alone.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::{contract_tests, Engine, Fixture};
use crate::store::{Enqueued, Outcome, Policy, Status, Storage};

fn policy() -> Policy {
    Policy {
        max_attempts: 3,
        retry_base: Duration::ZERO,
        lease: Duration::from_secs(60),
    }
}

contract_tests!(
    two_daemons_never_claim_the_same_document,
    the_same_content_from_two_daemons_is_one_document
);

/// 40 documents, two handles claiming and completing from two threads each: every document is
/// claimed and completed exactly once.
pub fn two_daemons_never_claim_the_same_document<S: Engine>() {
    let f = Fixture::<S>::new();
    let files: Vec<_> = (0..40)
        .map(|i| f.file(&format!("{i}.txt"), &format!("invoice {i}")))
        .collect();
    for p in &files {
        let (sha, n) = crate::content::hash_file(p).unwrap();
        f.store
            .enqueue_batch(&[(p, &sha, n)], "drop_folder", 0)
            .unwrap();
    }
    let stores: Vec<Arc<S>> = vec![Arc::new(f.second()), Arc::new(f.second())];
    let gate = Arc::new(Barrier::new(4));
    let mut threads = Vec::new();
    for t in 0..4 {
        let (s, gate) = (stores[t % 2].clone(), gate.clone());
        threads.push(std::thread::spawn(move || {
            gate.wait();
            let owner = format!("d{}/w{t}", t % 2);
            let mut done = Vec::new();
            while let Some(job) = s.claim(None, &owner, &policy()).unwrap() {
                assert!(s
                    .complete(&job, Status::Classified, &Outcome::default(), None)
                    .unwrap());
                done.push(job.doc.id);
            }
            done
        }));
    }
    let mut all: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "claimed twice or not at all");
    for id in all {
        let ev = f.store.events(id);
        assert_eq!(
            ev.iter().filter(|e| *e == "claimed").count(),
            1,
            "{id}: {ev:?}"
        );
    }
}

/// The same content dropped at two paths and enqueued by two handles at the same moment: one
/// queued document and one duplicate of it, whichever wins.
pub fn the_same_content_from_two_daemons_is_one_document<S: Engine>() {
    for round in 0..5 {
        let f = Fixture::<S>::new();
        let a = f.file(&format!("a{round}.pdf"), "the same invoice");
        let b = f.file(&format!("b{round}.pdf"), "the same invoice");
        let (sha, n) = crate::content::hash_file(&a).unwrap();
        let gate = Arc::new(Barrier::new(2));
        let outcomes: Vec<Enqueued> = [(f.second(), a), (f.second(), b)]
            .into_iter()
            .map(|(s, p)| {
                let (gate, sha) = (gate.clone(), sha.clone());
                std::thread::spawn(move || {
                    gate.wait();
                    s.enqueue_batch(&[(&p, &sha, n)], "drop_folder", 0)
                        .unwrap()
                        .remove(0)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let new = outcomes
            .iter()
            .filter(|e| matches!(e, Enqueued::New(_)))
            .count();
        let dup = outcomes
            .iter()
            .filter(|e| matches!(e, Enqueued::Duplicate { .. }))
            .count();
        assert_eq!((new, dup), (1, 1), "{outcomes:?}");
    }
}

/// PostgreSQL: a daemon's start-up recovery requeues its own interrupted claims and leaves
/// another daemon's alone (that one is still working on it).
#[test]
fn postgres_recovery_touches_only_its_own_claims() {
    let f = Fixture::<crate::store::postgres::PgStore>::new();
    for name in ["a.txt", "b.txt"] {
        let p = f.file(name, name);
        let (sha, n) = crate::content::hash_file(&p).unwrap();
        f.store
            .enqueue_batch(&[(&p, &sha, n)], "drop_folder", 0)
            .unwrap();
    }
    let mine = f
        .store
        .claim(None, "host:aaaa/1-1", &policy())
        .unwrap()
        .unwrap();
    let theirs = f
        .store
        .claim(None, "host:bbbb/2-2", &policy())
        .unwrap()
        .unwrap();
    assert_eq!(
        f.store.recover_in_flight(&policy(), "host:aaaa").unwrap(),
        (1, 0)
    );
    assert_eq!(
        f.store.document(mine.doc.id).unwrap().unwrap().status,
        Status::Queued
    );
    assert_eq!(
        f.store.document(theirs.doc.id).unwrap().unwrap().status,
        Status::Extracting
    );
    // `_` and `%` in an instance are not wildcards.
    assert_eq!(
        f.store.recover_in_flight(&policy(), "host:bbb_").unwrap(),
        (0, 0)
    );
    assert!(f.store.heartbeat(&theirs, &policy()).unwrap());
}

/// SQLite: one daemon per file, so recovery takes every in-flight row back.
#[test]
fn sqlite_recovery_takes_every_in_flight_row() {
    let f = Fixture::<crate::store::sqlite::SqliteStore>::new();
    let p = f.file("a.txt", "a");
    let (sha, n) = crate::content::hash_file(&p).unwrap();
    f.store
        .enqueue_batch(&[(&p, &sha, n)], "drop_folder", 0)
        .unwrap();
    f.store
        .claim(None, "other:1/1-1", &policy())
        .unwrap()
        .unwrap();
    assert_eq!(
        f.store.recover_in_flight(&policy(), "me:2").unwrap(),
        (1, 0)
    );
    let _: &dyn Storage = &f.store;
}

/// PostgreSQL: when the server drops the connection (a restart, an idle timeout, an admin's
/// `pg_terminate_backend`), the call in flight fails and the next one reconnects — the worker
/// backs off between them, as after any refused write.
#[test]
fn postgres_reconnects_after_the_server_drops_the_connection() {
    let f = Fixture::<crate::store::postgres::PgStore>::new();
    f.store.set_paused(true).unwrap();
    let admin = f.second();
    admin
        .run(|c| {
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )?;
            Ok(())
        })
        .unwrap();
    let first = f.store.is_paused();
    let second = f.store.is_paused().unwrap();
    assert!(
        second,
        "reconnected and read the switch (first call: {first:?})"
    );
}

/// PostgreSQL: each desktop's pause switch is its own — pausing one (the tray, `zopilot pause`)
/// leaves the others working.
#[test]
fn postgres_pause_is_per_desktop() {
    let f = Fixture::<crate::store::postgres::PgStore>::new();
    let a = f.second().for_instance("pc1:aaaa");
    let b = f.second().for_instance("pc2:bbbb");
    a.set_paused(true).unwrap();
    assert!(a.is_paused().unwrap());
    assert!(!b.is_paused().unwrap());
    let a_again = f.second().for_instance("pc1:aaaa");
    assert!(a_again.is_paused().unwrap(), "persisted for that desktop");
    b.set_paused(true).unwrap();
    a.set_paused(false).unwrap();
    assert!(!a_again.is_paused().unwrap() && b.is_paused().unwrap());
}
