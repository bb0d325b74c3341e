//! The queue's contract (enqueue, duplicates, claims, leases and fencing, retries, recovery,
//! pause) on every engine.

use std::time::Duration;

use anyhow::Result;

use super::{contract_tests, Engine, Fixture};
use crate::store::{Enqueued, Job, Outcome, Policy, Status};

fn enqueue<S: Engine>(
    store: &S,
    path: &std::path::Path,
    source: &str,
    prio: i64,
) -> Result<Enqueued> {
    let (sha, size) = crate::content::hash_file(path)?;
    Ok(store
        .enqueue_batch(&[(path, &sha, size)], source, prio)?
        .remove(0))
}

fn claim_next<S: Engine>(store: &S, owner: &str, p: &Policy) -> Result<Option<Job>> {
    store.claim(None, owner, p)
}

fn file<S: Engine>(f: &Fixture<S>, name: &str, content: &str) -> std::path::PathBuf {
    f.file(name, content)
}

fn quick() -> Policy {
    Policy {
        max_attempts: 3,
        retry_base: Duration::from_millis(0),
        lease: Duration::from_secs(60),
    }
}

fn events<S: Engine>(store: &S, id: i64) -> Vec<String> {
    store.events(id)
}

contract_tests!(
    enqueue_is_idempotent_detects_exact_duplicates_and_claims_in_order,
    a_lost_lease_fences_off_the_old_worker,
    transient_failures_back_off_then_dead_letter,
    recovery_requeues_interrupted_work_and_interruptions_do_not_use_attempts,
    pause_is_persisted
);

pub fn enqueue_is_idempotent_detects_exact_duplicates_and_claims_in_order<S: Engine>() {
    let f = Fixture::<S>::new();
    let store = &f.store;
    let a = file(&f, "a.txt", "invoice a");
    let b = file(&f, "b.txt", "invoice b");
    let ea = enqueue(store, &a, "drop_folder", 0).unwrap();
    assert!(matches!(ea, Enqueued::New(_)));
    assert_eq!(
        enqueue(store, &a, "drop_folder", 0).unwrap(),
        Enqueued::Known(ea.id())
    );
    let eb = enqueue(store, &b, "drop_folder", 0).unwrap();
    // Same content under another name: a duplicate row linking the first, nothing queued.
    let copy = file(&f, "copy of a.txt", "invoice a");
    let dup = enqueue(store, &copy, "google_drive", 0).unwrap();
    assert_eq!(
        dup,
        Enqueued::Duplicate {
            id: dup.id(),
            of: ea.id()
        }
    );
    let row = store.document(dup.id()).unwrap().unwrap();
    assert_eq!(
        (row.status, row.duplicate_of),
        (Status::Duplicate, Some(ea.id()))
    );
    // Same path, new content: a new document.
    std::fs::write(&a, "invoice a, corrected").unwrap();
    assert!(matches!(
        enqueue(store, &a, "drop_folder", 0).unwrap(),
        Enqueued::New(_)
    ));

    let p = quick();
    let first = claim_next(store, "w1", &p).unwrap().unwrap();
    assert_eq!(
        (first.doc.id, first.token, first.doc.status),
        (ea.id(), 1, Status::Extracting)
    );
    assert_eq!(
        claim_next(store, "w1", &p).unwrap().unwrap().doc.id,
        eb.id()
    );
    assert_eq!(events(store, ea.id()), ["enqueued", "claimed"]);
    assert_eq!(events(store, dup.id()), ["duplicate"]);
}

pub fn a_lost_lease_fences_off_the_old_worker<S: Engine>() {
    let f = Fixture::<S>::new();
    let store = &f.store;
    let id = enqueue(store, &file(&f, "a.txt", "x"), "drop_folder", 0)
        .unwrap()
        .id();
    let short = Policy {
        lease: Duration::from_millis(1),
        ..quick()
    };
    let old = claim_next(store, "old", &short).unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(5));
    // The lease expired: another worker takes the document over.
    let new = claim_next(store, "new", &quick()).unwrap().unwrap();
    assert_eq!((new.doc.id, new.token), (id, 2));
    assert!(!store.heartbeat(&old, &quick()).unwrap());
    assert!(!store.set_status(&old, Status::Classifying).unwrap());
    assert!(!store
        .complete(&old, Status::Classified, &Outcome::default(), None)
        .unwrap());
    assert!(!store.fail(&old, "late", &Outcome::default(), None).unwrap());
    assert!(store.heartbeat(&new, &quick()).unwrap());
    assert!(store
        .complete(&new, Status::Classified, &Outcome::default(), None)
        .unwrap());
    let ev = events(store, id);
    assert_eq!(ev.iter().filter(|e| *e == "completed").count(), 1);
    // Finished documents are never claimed again.
    assert!(claim_next(store, "new", &quick()).unwrap().is_none());
}

pub fn transient_failures_back_off_then_dead_letter<S: Engine>() {
    let f = Fixture::<S>::new();
    let store = &f.store;
    let id = enqueue(store, &file(&f, "a.txt", "x"), "drop_folder", 0)
        .unwrap()
        .id();
    let slow = Policy {
        retry_base: Duration::from_secs(3600),
        ..quick()
    };
    let j1 = claim_next(store, "w", &slow).unwrap().unwrap();
    assert_eq!(
        store.retry_or_dead(&j1, "model busy", &slow, None).unwrap(),
        Some(Status::Queued)
    );
    // Not before its retry time…
    assert!(claim_next(store, "w", &slow).unwrap().is_none());
    let d = store.document(id).unwrap().unwrap();
    assert_eq!(
        (d.status, d.error.as_deref()),
        (Status::Queued, Some("model busy"))
    );
    // …but `zopilot process` may take it at once; then a quick policy runs out of attempts.
    let p = quick();
    let j2 = store.claim(Some(id), "w", &p).unwrap().unwrap();
    assert_eq!(
        store.retry_or_dead(&j2, "again", &p, None).unwrap(),
        Some(Status::Queued)
    );
    let j3 = claim_next(store, "w", &p).unwrap().unwrap();
    assert_eq!(j3.token, 3);
    assert_eq!(
        store.retry_or_dead(&j3, "still", &p, None).unwrap(),
        Some(Status::Dead)
    );
    let d = store.document(id).unwrap().unwrap();
    assert_eq!(d.status, Status::Dead);
    assert!(d.error.unwrap().contains("gave up after 3 attempts: still"));
    assert!(claim_next(store, "w", &p).unwrap().is_none());
    // `zopilot retry` brings it back with fresh attempts.
    assert!(store.requeue(id).unwrap());
    assert_eq!(claim_next(store, "w", &p).unwrap().unwrap().token, 1);
}

#[test]
fn backoff_doubles_with_bounded_jitter() {
    let p = Policy {
        retry_base: Duration::from_millis(1000),
        ..quick()
    };
    for (attempts, base) in [(1, 1000u128), (2, 2000), (3, 4000)] {
        for _ in 0..20 {
            let d = p.backoff(attempts).as_millis();
            assert!(d >= base && d < base * 3 / 2, "{attempts}: {d}");
        }
    }
}

pub fn recovery_requeues_interrupted_work_and_interruptions_do_not_use_attempts<S: Engine>() {
    let f = Fixture::<S>::new();
    let store = &f.store;
    let a = enqueue(store, &file(&f, "a.txt", "a"), "drop_folder", 0)
        .unwrap()
        .id();
    let b = enqueue(store, &file(&f, "b.txt", "b"), "drop_folder", 0)
        .unwrap()
        .id();
    let p = quick();
    let ja = claim_next(store, "w", &p).unwrap().unwrap();
    assert!(store.release(&ja).unwrap());
    assert_eq!(store.document(a).unwrap().unwrap().attempts, 0);
    // `a` interrupted more times than it has attempts: still queued, and a failure of its own
    // after that is still not its last attempt.
    for _ in 0..(p.max_attempts + 2) {
        store.claim(Some(a), "test/w", &p).unwrap().unwrap();
        assert_eq!(store.recover_in_flight(&p, "test").unwrap(), (1, 0));
    }
    let da = store.document(a).unwrap().unwrap();
    assert_eq!(da.status, Status::Queued);
    assert_eq!(da.interruptions, p.max_attempts as i64 + 2);
    let ja = store.claim(Some(a), "test/w", &p).unwrap().unwrap();
    assert!(
        !p.is_last_attempt(&ja),
        "interruptions used up its attempts"
    );
    // Its own attempts are still counted: with all but one used, the next failure is the last.
    store.exec(
        "UPDATE documents SET attempts = interruptions + $2 - 1 WHERE id = $1",
        b,
        p.max_attempts as i64,
    );
    let jb = store.claim(Some(b), "test/w", &p).unwrap().unwrap();
    assert!(p.is_last_attempt(&jb));
    // A document that keeps taking the daemon down is dead-lettered after MAX_INTERRUPTIONS.
    store.release(&jb).unwrap();
    store.release(&ja).unwrap();
    store.exec(
        "UPDATE documents SET interruptions = $2 - 1 WHERE id = $1",
        b,
        crate::store::MAX_INTERRUPTIONS,
    );
    store.claim(Some(b), "test/w", &p).unwrap().unwrap();
    assert_eq!(store.recover_in_flight(&p, "test").unwrap(), (0, 1));
    let db = store.document(b).unwrap().unwrap();
    assert_eq!(db.status, Status::Dead);
    assert!(db.error.unwrap().contains(&format!(
        "interrupted {} times",
        crate::store::MAX_INTERRUPTIONS
    )));
}

pub fn pause_is_persisted<S: Engine>() {
    let f = Fixture::<S>::new();
    assert!(!f.store.is_paused().unwrap());
    f.store.set_paused(true).unwrap();
    let store = f.second();
    assert!(store.is_paused().unwrap());
    store.set_paused(false).unwrap();
    assert!(!store.is_paused().unwrap());
}
