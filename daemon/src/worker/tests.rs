//! Faults at each step of a document's life, injected with the failing store: no half-written
//! row, no moved original, and recovery brings everything to one consistent end — on every
//! store engine (SQLite and PostgreSQL, [`crate::store::contract`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::finish::finish;
use super::originals::{recover, Moves};
use crate::pipeline::{checksum, Run, Verdict};
use crate::store::contract::{contract_tests, Engine};
use crate::store::failing::{FailingStore, Fault, Op};
use crate::store::{Document, Job, Outcome, Policy, Status, Storage};

struct Setup<S: Engine> {
    dir: tempfile::TempDir,
    store: FailingStore<S>,
}

fn setup<S: Engine>() -> Setup<S> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    let inner = S::fresh(dir.path());
    Setup {
        dir,
        store: FailingStore::new(inner),
    }
}

impl<S: Engine> Setup<S> {
    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }
    fn file(&self, name: &str) -> PathBuf {
        let p = self.inbox().join(name);
        std::fs::write(&p, format!("invoice {name}")).unwrap();
        p
    }
    fn moves(&self) -> Moves {
        Moves {
            drop_folder: Some(self.inbox()),
            sources: vec!["drop_folder".into()],
        }
    }
    fn s(&self) -> &FailingStore<S> {
        &self.store
    }
    fn row(&self, id: i64) -> Document {
        self.s().document(id).unwrap().unwrap()
    }
    fn enqueue(&self, p: &Path) -> i64 {
        let (sha, n) = crate::content::hash_file(p).unwrap();
        self.s()
            .enqueue_batch(&[(p, &sha, n)], "drop_folder", 0)
            .unwrap()[0]
            .id()
    }
    fn claim(&self, policy: &Policy) -> Job {
        self.s().claim(None, "test/w", policy).unwrap().unwrap()
    }
    fn processed(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.inbox().join("processed"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

contract_tests!(
    a_failed_enqueue_writes_no_row_and_keeps_the_file,
    a_failed_claim_leaves_the_document_queued,
    a_failed_complete_writes_nothing_moves_nothing_and_recovery_redoes_it,
    a_failed_fail_writes_nothing_and_moves_nothing,
    a_failed_retry_writes_nothing,
    a_release_refused_too_leaves_the_claim_for_the_worker_to_release,
    a_blocked_move_stays_pending_with_its_reason_and_is_retried_when_due,
    a_stolen_lease_stores_nothing_and_does_not_move_the_original,
    a_move_interrupted_after_the_commit_is_finished_once_at_start_up
);

fn policy() -> Policy {
    Policy {
        max_attempts: 3,
        retry_base: Duration::ZERO,
        lease: Duration::from_secs(60),
    }
}

/// A terminal write that failed: nothing written, and the document queued again at once, the
/// claim not counted as an attempt.
fn released_and_unwritten(d: &Document) {
    assert_eq!((d.status, d.attempts), (Status::Queued, 0), "released");
    assert!(d.result.is_none() && d.finished_at.is_none() && d.error.is_none());
    assert!(d.move_pending.is_none() && d.moved_to.is_none());
}

fn a_failed_enqueue_writes_no_row_and_keeps_the_file<S: Engine>() {
    let t = setup::<S>();
    let p = t.file("a.pdf");
    t.s().fail_at(Op::Enqueue, 1, Fault::DiskFull);
    let (sha, n) = crate::content::hash_file(&p).unwrap();
    let e = t
        .s()
        .enqueue_batch(&[(&p, &sha, n)], "drop_folder", 0)
        .unwrap_err();
    assert!(format!("{e:#}").contains("disk is full"));
    assert!(t.s().documents(None, 10, 0).unwrap().is_empty());
    assert!(p.exists());
}

fn a_failed_claim_leaves_the_document_queued<S: Engine>() {
    let t = setup::<S>();
    let id = t.enqueue(&t.file("a.pdf"));
    t.s().fail_at(Op::Claim, 1, Fault::Busy);
    assert!(t.s().claim(None, "test/w", &policy()).is_err());
    let d = t.row(id);
    assert_eq!((d.status, d.attempts), (Status::Queued, 0));
    assert_eq!(t.claim(&policy()).token, 1);
}

fn a_failed_complete_writes_nothing_moves_nothing_and_recovery_redoes_it<S: Engine>() {
    let t = setup::<S>();
    let p = t.file("a.pdf");
    let id = t.enqueue(&p);
    let job = t.claim(&policy());
    let run = checksum::run(&job, Duration::ZERO);
    assert_eq!(run.verdict, Verdict::Done(Status::Classified));
    t.s().fail_at(Op::Complete, 1, Fault::DiskFull);
    assert!(finish(t.s(), &job, &run, &policy(), &t.moves()).is_err());
    released_and_unwritten(&t.row(id));
    assert!(p.exists(), "the original was not moved");
    assert!(t.processed().is_empty());
    // Nothing in flight for a restart to find: it is claimed again at once, on its first
    // counted attempt, and finishes once, moved once.
    assert_eq!(t.s().recover_in_flight(&policy(), "test").unwrap(), (0, 0));
    let job = t.claim(&policy());
    assert_eq!(job.token, 1);
    let run = checksum::run(&job, Duration::ZERO);
    let done = finish(t.s(), &job, &run, &policy(), &t.moves()).unwrap();
    assert_eq!(done.status, Status::Classified);
    let d = t.row(id);
    assert_eq!(d.status, Status::Classified);
    assert!(d.moved_to.unwrap().ends_with("processed/a.pdf"));
    assert!(!p.exists());
    assert_eq!(t.processed(), ["a.pdf"]);
}

fn a_failed_fail_writes_nothing_and_moves_nothing<S: Engine>() {
    let t = setup::<S>();
    let p = t.file("bad.pdf");
    let id = t.enqueue(&p);
    let job = t.claim(&policy());
    let run = Run {
        verdict: Verdict::Failed("not a readable PDF".into()),
        outcome: Outcome::default(),
        seconds: 0.0,
    };
    t.s().fail_at(Op::Fail, 1, Fault::Busy);
    assert!(finish(t.s(), &job, &run, &policy(), &t.moves()).is_err());
    released_and_unwritten(&t.row(id));
    assert!(p.exists());
    assert!(!t.inbox().join("failed").join("bad.pdf").exists());
    // Claimed again, without the fault it is failed and moved to failed/.
    let job = t.claim(&policy());
    let done = finish(t.s(), &job, &run, &policy(), &t.moves()).unwrap();
    assert_eq!(done.status, Status::Failed);
    assert!(t.inbox().join("failed").join("bad.pdf").exists());
    assert_eq!(t.row(id).error.as_deref(), Some("not a readable PDF"));
}

fn a_failed_retry_writes_nothing<S: Engine>() {
    let t = setup::<S>();
    let id = t.enqueue(&t.file("a.pdf"));
    let job = t.claim(&policy());
    let run = Run {
        verdict: Verdict::Retry("model not available".into()),
        outcome: Outcome::default(),
        seconds: 0.0,
    };
    t.s().fail_at(Op::RetryOrDead, 1, Fault::DiskFull);
    assert!(finish(t.s(), &job, &run, &policy(), &t.moves()).is_err());
    released_and_unwritten(&t.row(id));
}

fn a_release_refused_too_leaves_the_claim_for_the_worker_to_release<S: Engine>() {
    let t = setup::<S>();
    let id = t.enqueue(&t.file("a.pdf"));
    let job = t.claim(&policy());
    let run = checksum::run(&job, Duration::ZERO);
    t.s().fail_at(Op::Complete, 1, Fault::DiskFull);
    t.s().fail_at(Op::Release, 1, Fault::DiskFull);
    assert!(finish(t.s(), &job, &run, &policy(), &t.moves()).is_err());
    assert_eq!(
        t.row(id).status,
        Status::Extracting,
        "nothing could be written"
    );
    // The worker's next try (once space returns).
    assert!(t.s().release(&job).unwrap());
    released_and_unwritten(&t.row(id));
}

fn a_blocked_move_stays_pending_with_its_reason_and_is_retried_when_due<S: Engine>() {
    let t = setup::<S>();
    let p = t.file("a.pdf");
    let id = t.enqueue(&p);
    // A file where the processed/ folder should be.
    std::fs::write(t.inbox().join("processed"), "in the way").unwrap();
    let job = t.claim(&policy());
    let run = checksum::run(&job, Duration::ZERO);
    let done = finish(t.s(), &job, &run, &policy(), &t.moves()).unwrap();
    assert_eq!(done.status, Status::Classified);
    let d = t.row(id);
    assert!(d.move_pending.is_some(), "still pending");
    assert!(
        d.move_error.as_deref().unwrap().contains("not moved"),
        "{d:?}"
    );
    assert!(p.exists());
    // Not due yet: nothing tried.
    assert_eq!(super::originals::retry_due(t.s(), &t.moves()).unwrap(), 0);
    std::fs::remove_file(t.inbox().join("processed")).unwrap();
    // At the next start (or once due) it is moved.
    assert_eq!(recover(t.s(), &t.moves()).unwrap(), 1);
    let d = t.row(id);
    assert!(d.move_pending.is_none() && d.move_error.is_none());
    assert!(d.moved_to.unwrap().ends_with("processed/a.pdf"));
    assert_eq!(t.processed(), ["a.pdf"]);
}

fn a_stolen_lease_stores_nothing_and_does_not_move_the_original<S: Engine>() {
    let t = setup::<S>();
    let p = t.file("a.pdf");
    let id = t.enqueue(&p);
    let short = Policy {
        lease: Duration::from_millis(1),
        ..policy()
    };
    let old = t.claim(&short);
    std::thread::sleep(Duration::from_millis(5));
    let new = t.s().claim(None, "other", &policy()).unwrap().unwrap();
    assert_eq!(new.doc.id, id);
    // The old worker's checksum run finishes after its lease was taken over.
    let run = checksum::run(&old, Duration::ZERO);
    let done = finish(t.s(), &old, &run, &policy(), &t.moves()).unwrap();
    assert!(done.lost);
    assert!(p.exists(), "the original must stay for the new owner");
    assert!(t.processed().is_empty());
    assert_eq!(t.row(id).status, Status::Extracting);
    // The same through an injected lost lease.
    t.s().fail_at(Op::Complete, 1, Fault::LostLease);
    let run = checksum::run(&new, Duration::ZERO);
    assert!(
        finish(t.s(), &new, &run, &policy(), &t.moves())
            .unwrap()
            .lost
    );
    assert!(p.exists());
}

fn a_move_interrupted_after_the_commit_is_finished_once_at_start_up<S: Engine>() {
    let t = setup::<S>();
    let a = t.file("a.pdf");
    let b = t.file("b.pdf");
    let (ida, idb) = (t.enqueue(&a), t.enqueue(&b));
    // a: the process stops between the commit and the rename.
    let job = t.claim(&policy());
    let to = t.moves().plan(&job, Status::Classified).unwrap();
    assert!(t
        .s()
        .complete(
            &job,
            Status::Classified,
            &Outcome::default(),
            Some(to.as_path())
        )
        .unwrap());
    assert!(a.exists());
    // b: renamed, but the confirmation fails.
    let job = t.claim(&policy());
    let run = checksum::run(&job, Duration::ZERO);
    t.s().fail_at(Op::SettleMove, 1, Fault::DiskFull);
    finish(t.s(), &job, &run, &policy(), &t.moves()).unwrap();
    assert!(!b.exists());
    assert_eq!(t.s().pending_moves().unwrap().len(), 2);
    // Start-up recovery.
    assert_eq!(recover(t.s(), &t.moves()).unwrap(), 2);
    assert!(t.s().pending_moves().unwrap().is_empty());
    assert_eq!(t.processed(), ["a.pdf", "b.pdf"], "each moved exactly once");
    for id in [ida, idb] {
        let d = t.row(id);
        assert!(d.moved_to.is_some() && d.move_pending.is_none(), "{id}");
    }
    // A second recovery has nothing to do.
    assert_eq!(recover(t.s(), &t.moves()).unwrap(), 0);
}
