//! The contract of the OpenAI-compatible files and batches (stored files, batches and their
//! request lines, running them line by line, completion, cancel) on every engine.

use serde_json::{json, Value};

use super::{contract_tests, Engine, Fixture};
use crate::store::batches::{ApiFile, Batch, BatchLine};

fn secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Store file `id` with `content`, created at `created_at`; its record.
fn add<S: Engine>(s: &S, id: &str, created_at: i64, content: &[u8]) -> ApiFile {
    let f = ApiFile {
        id: id.into(),
        filename: format!("{id}.jsonl"),
        purpose: "batch".into(),
        bytes: content.len() as i64,
        created_at,
    };
    s.add_file(&f, content).unwrap();
    f
}

/// A batch in progress of `total` lines reading file `input`.
fn batch(id: &str, input: &str, created_at: i64, total: i64) -> Batch {
    Batch {
        id: id.into(),
        endpoint: "/v1/chat/completions".into(),
        input_file_id: input.into(),
        completion_window: "24h".into(),
        status: "in_progress".into(),
        metadata: Some(json!({"job": "nightly"})),
        errors: None,
        total,
        completed: 0,
        failed: 0,
        output_file_id: None,
        error_file_id: None,
        created_at,
        in_progress_at: Some(created_at),
        finalizing_at: None,
        completed_at: None,
        failed_at: None,
        cancelled_at: None,
        expires_at: Some(created_at + 24 * 3600),
    }
}

fn line(batch_id: &str, n: i64) -> BatchLine {
    BatchLine {
        batch_id: batch_id.into(),
        line: n,
        custom_id: format!("req-{n}"),
        request: json!({"model": "zopilot", "messages": [{"role": "user", "content": n}]}),
    }
}

/// An input file and a batch in progress of `n` lines on it (ids `<id>` and `file-<id>`).
fn start<S: Engine>(s: &S, id: &str, created_at: i64, n: i64) -> Batch {
    let input = format!("file-{id}");
    add(s, &input, created_at, b"{}\n");
    let b = batch(id, &input, created_at, n);
    let lines: Vec<_> = (0..n).map(|i| line(id, i)).collect();
    s.create_batch(&b, &lines).unwrap();
    b
}

/// The next line to run as `(batch, line)`.
fn next<S: Engine>(s: &S) -> Option<(String, i64)> {
    s.next_batch_line().unwrap().map(|l| (l.batch_id, l.line))
}

fn output(n: i64, ok: bool) -> Value {
    json!({"id": format!("batch_req_{n}"), "custom_id": format!("req-{n}"), "ok": ok})
}

fn finish<S: Engine>(s: &S, batch_id: &str, n: i64, ok: bool) {
    s.finish_batch_line(batch_id, n, ok, &output(n, ok))
        .unwrap()
}

/// The content of file `id` as text.
fn content<S: Engine>(s: &S, id: &Option<String>) -> String {
    let id = id.as_deref().expect("a file id");
    String::from_utf8(s.api_file_content(id).unwrap().unwrap()).unwrap()
}

/// The JSONL content of these output lines.
fn jsonl(lines: &[(i64, bool)]) -> String {
    lines
        .iter()
        .map(|&(n, ok)| output(n, ok).to_string() + "\n")
        .collect()
}

fn ids(batches: &[Batch]) -> Vec<&str> {
    batches.iter().map(|b| b.id.as_str()).collect()
}

contract_tests!(
    files_are_read_back_and_listed_newest_first,
    a_file_a_batch_uses_cannot_be_deleted,
    create_batch_stores_the_batch_and_its_lines,
    a_failing_create_batch_stores_nothing,
    batches_are_listed_newest_first_with_limit_and_after,
    next_batch_line_takes_the_oldest_batch_in_progress_first,
    finishing_the_last_line_completes_the_batch,
    a_line_is_counted_once,
    cancel_writes_the_results_so_far,
    only_a_batch_in_progress_is_cancelled
);

pub fn files_are_read_back_and_listed_newest_first<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    assert!(s.api_files().unwrap().is_empty());
    let binary = [0u8, 255, 10, 0, 13];
    let a = add(s, "file-a", 100, b"{\"custom_id\": \"1\"}\n");
    let c = add(s, "file-c", 300, &binary);
    let d = add(s, "file-d", 200, b"");
    let b = add(s, "file-b", 300, b"x");
    assert_eq!(s.api_file("file-c").unwrap(), Some(c.clone()));
    assert_eq!(s.api_file_content("file-c").unwrap(), Some(binary.to_vec()));
    assert_eq!(s.api_file_content("file-d").unwrap(), Some(Vec::new()));
    assert_eq!(s.api_file("file-x").unwrap(), None);
    assert_eq!(s.api_file_content("file-x").unwrap(), None);
    // Newest first, the same second by id.
    let all = s.api_files().unwrap();
    assert_eq!(all, [b, c.clone(), d, a.clone()]);
    // The same id twice is refused, and the first file kept.
    assert!(s.add_file(&a, b"other").is_err());
    assert_eq!(s.api_file_content("file-a").unwrap().unwrap()[0], b'{');
    assert!(s.delete_api_file("file-a").unwrap());
    assert!(!s.delete_api_file("file-a").unwrap());
    assert!(!s.delete_api_file("file-x").unwrap());
    assert_eq!(s.api_file("file-a").unwrap(), None);
    assert_eq!(s.api_file_content("file-a").unwrap(), None);
    let other = f.second();
    assert_eq!(other.api_files().unwrap().len(), 3);
    assert_eq!(other.api_file("file-c").unwrap(), Some(c));
}

pub fn a_file_a_batch_uses_cannot_be_deleted<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let b = start(s, "batch_1", 100, 1);
    let err = s.delete_api_file(&b.input_file_id).unwrap_err();
    assert!(format!("{err:#}").contains("batch_1"), "{err:#}");
    assert!(s.api_file(&b.input_file_id).unwrap().is_some());
    // The files a batch writes belong to it too.
    finish(s, "batch_1", 0, true);
    let done = s.batch("batch_1").unwrap().unwrap();
    let out = done.output_file_id.clone().expect("an output file");
    assert!(s.delete_api_file(&out).is_err());
    assert!(s.api_file_content(&out).unwrap().is_some());
    // A file no batch uses can go.
    add(s, "file-free", 100, b"{}");
    assert!(s.delete_api_file("file-free").unwrap());
}

pub fn create_batch_stores_the_batch_and_its_lines<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    assert_eq!(s.batch("batch_1").unwrap(), None);
    assert_eq!(s.next_batch_line().unwrap(), None);
    let b = start(s, "batch_1", 1_700_000_000, 2);
    assert_eq!(s.batch("batch_1").unwrap(), Some(b.clone()));
    assert_eq!(f.second().batch("batch_1").unwrap(), Some(b));
    assert_eq!(s.next_batch_line().unwrap(), Some(line("batch_1", 0)));
    // A refused input: a failed batch with its errors and no lines.
    add(s, "file-bad", 10, b"not json");
    let errors = json!({"object": "list", "data": [
        {"code": "invalid_json_line", "message": "line 1 is not JSON", "line": 1}]});
    let failed = Batch {
        status: "failed".into(),
        errors: Some(errors),
        metadata: None,
        in_progress_at: None,
        failed_at: Some(10),
        expires_at: None,
        ..batch("batch_0", "file-bad", 10, 0)
    };
    s.create_batch(&failed, &[]).unwrap();
    assert_eq!(s.batch("batch_0").unwrap(), Some(failed));
    assert_eq!(next(s), Some(("batch_1".into(), 0)));
}

pub fn a_failing_create_batch_stores_nothing<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    add(s, "file-in", 100, b"{}\n{}\n");
    let b = batch("batch_1", "file-in", 100, 2);
    // Two lines numbered 0: the second is refused, so the batch is not stored either.
    let dup = [line("batch_1", 0), line("batch_1", 0)];
    assert!(s.create_batch(&b, &dup).is_err());
    assert_eq!(s.batch("batch_1").unwrap(), None);
    assert!(s.batches(10, None).unwrap().is_empty());
    assert_eq!(s.next_batch_line().unwrap(), None);
    // An input file that does not exist.
    let orphan = batch("batch_2", "file-missing", 100, 1);
    assert!(s.create_batch(&orphan, &[line("batch_2", 0)]).is_err());
    assert_eq!(s.batch("batch_2").unwrap(), None);
    // The same batch, well formed, is stored afterwards.
    s.create_batch(&b, &[line("batch_1", 0), line("batch_1", 1)])
        .unwrap();
    assert_eq!(s.batch("batch_1").unwrap(), Some(b.clone()));
    // The same id again: refused, the first batch untouched.
    let again = Batch {
        total: 9,
        ..b.clone()
    };
    assert!(s.create_batch(&again, &[]).is_err());
    assert_eq!(s.batch("batch_1").unwrap(), Some(b));
}

pub fn batches_are_listed_newest_first_with_limit_and_after<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    for (id, at) in [("batch_a", 10), ("batch_c", 30), ("batch_b", 20)] {
        start(s, id, at, 1);
    }
    s.create_batch(&batch("batch_d", "file-batch_c", 30, 0), &[])
        .unwrap();
    let list = |limit, after| ids(&s.batches(limit, after).unwrap()).join(" ");
    // Newest first; created the same second, by id.
    assert_eq!(list(10, None), "batch_c batch_d batch_b batch_a");
    assert_eq!(list(2, None), "batch_c batch_d");
    assert_eq!(list(2, Some("batch_d")), "batch_b batch_a");
    assert_eq!(list(10, Some("batch_c")), "batch_d batch_b batch_a");
    assert_eq!(list(1, Some("batch_b")), "batch_a");
    assert_eq!(list(10, Some("batch_a")), "");
    assert_eq!(list(0, None), "");
    // An unknown `after`: from the newest.
    assert_eq!(list(1, Some("batch_zzz")), "batch_c");
    let all = s.batches(10, None).unwrap();
    assert_eq!(all[2], s.batch("batch_b").unwrap().unwrap());
}

pub fn next_batch_line_takes_the_oldest_batch_in_progress_first<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    start(s, "batch_new", 200, 1);
    // Lines stored out of order are run in line order.
    add(s, "file-old", 100, b"{}");
    let old = batch("batch_old", "file-old", 100, 3);
    let lines = [
        line("batch_old", 2),
        line("batch_old", 0),
        line("batch_old", 1),
    ];
    s.create_batch(&old, &lines).unwrap();
    // A failed batch (older still) and one still validating are not run.
    let failed = Batch {
        status: "failed".into(),
        ..batch("batch_failed", "file-old", 50, 1)
    };
    s.create_batch(&failed, &[line("batch_failed", 0)]).unwrap();
    let validating = Batch {
        status: "validating".into(),
        ..batch("batch_validating", "file-old", 60, 1)
    };
    s.create_batch(&validating, &[line("batch_validating", 0)])
        .unwrap();
    let got = s.next_batch_line().unwrap().unwrap();
    assert_eq!(got, line("batch_old", 0), "custom id and request read back");
    // Taking a line does not claim it: asked again, the same line.
    assert_eq!(next(s), Some(("batch_old".into(), 0)));
    let want = |b: &str, n| Some((b.to_string(), n));
    for n in 0..3 {
        assert_eq!(next(s), want("batch_old", n));
        finish(s, "batch_old", n, n != 1);
    }
    assert_eq!(next(&f.second()), want("batch_new", 0));
    finish(s, "batch_new", 0, true);
    assert_eq!(next(s), None);
    // Created the same second: by id.
    start(s, "batch_y", 300, 1);
    start(s, "batch_x", 300, 1);
    assert_eq!(next(s), want("batch_x", 0));
}

pub fn finishing_the_last_line_completes_the_batch<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let t0 = secs();
    let b = start(s, "batch_1", t0, 3);
    finish(s, "batch_1", 2, true);
    finish(s, "batch_1", 0, false);
    let mid = s.batch("batch_1").unwrap().unwrap();
    let want = Batch {
        completed: 1,
        failed: 1,
        ..b.clone()
    };
    assert_eq!(mid, want, "counted, nothing else changed");
    finish(s, "batch_1", 1, true);
    let done = s.batch("batch_1").unwrap().unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!((done.total, done.completed, done.failed), (3, 2, 1));
    let at = done.completed_at.expect("completed_at");
    assert!(at >= t0 && at <= secs(), "{at}");
    assert_eq!(done.finalizing_at, Some(at));
    assert_eq!((done.cancelled_at, done.failed_at), (None, None));
    // Output lines in line order, each a line of JSON.
    assert_eq!(
        content(s, &done.output_file_id),
        jsonl(&[(1, true), (2, true)])
    );
    assert_eq!(content(s, &done.error_file_id), jsonl(&[(0, false)]));
    let out = s.api_file(done.output_file_id.as_deref().unwrap()).unwrap();
    let out = out.unwrap();
    assert_eq!(out.filename, "batch_1_output.jsonl");
    assert_eq!(out.purpose, "batch_output");
    assert_eq!(out.bytes as usize, jsonl(&[(1, true), (2, true)]).len());
    let err = s.api_file(done.error_file_id.as_deref().unwrap()).unwrap();
    assert_eq!(err.unwrap().filename, "batch_1_errors.jsonl");
    assert_eq!(s.api_files().unwrap().len(), 3);
    assert_eq!(s.next_batch_line().unwrap(), None);
    // Every line a success: no error file.
    start(s, "batch_2", t0, 1);
    finish(s, "batch_2", 0, true);
    let done = s.batch("batch_2").unwrap().unwrap();
    assert_eq!((done.status.as_str(), done.completed), ("completed", 1));
    assert_eq!(content(s, &done.output_file_id), jsonl(&[(0, true)]));
    assert_eq!(done.error_file_id, None);
}

pub fn a_line_is_counted_once<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let b = start(s, "batch_1", 100, 2);
    finish(s, "batch_1", 0, true);
    // Finished again (another daemon, a retry): the first output stays, counted once.
    let late = json!({"late": true});
    s.finish_batch_line("batch_1", 0, false, &late).unwrap();
    // Lines and batches that do not exist: nothing happens.
    s.finish_batch_line("batch_1", 7, true, &late).unwrap();
    s.finish_batch_line("batch_x", 0, true, &late).unwrap();
    let got = s.batch("batch_1").unwrap().unwrap();
    let want = Batch { completed: 1, ..b };
    assert_eq!(got, want);
    finish(s, "batch_1", 1, false);
    let done = s.batch("batch_1").unwrap().unwrap();
    assert_eq!((done.completed, done.failed), (1, 1));
    assert_eq!(content(s, &done.output_file_id), jsonl(&[(0, true)]));
    assert_eq!(content(s, &done.error_file_id), jsonl(&[(1, false)]));
    // After completion: nothing changes, no more files.
    s.finish_batch_line("batch_1", 1, true, &late).unwrap();
    assert_eq!(s.batch("batch_1").unwrap().unwrap(), done);
    assert_eq!(s.api_files().unwrap().len(), 3);
}

pub fn cancel_writes_the_results_so_far<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let t0 = secs();
    let b = start(s, "batch_1", t0, 3);
    finish(s, "batch_1", 0, true);
    let got = s.cancel_batch("batch_1").unwrap().unwrap();
    assert_eq!(got, s.batch("batch_1").unwrap().unwrap());
    assert_eq!(got.status, "cancelled");
    assert_eq!((got.completed, got.failed, got.total), (1, 0, 3));
    let at = got.cancelled_at.expect("cancelled_at");
    assert!(at >= t0 && at <= secs(), "{at}");
    assert_eq!(got.finalizing_at, Some(at));
    assert_eq!(got.completed_at, None);
    assert_eq!(content(s, &got.output_file_id), jsonl(&[(0, true)]));
    assert_eq!(got.error_file_id, None);
    // No more lines run; a line finished meanwhile is not stored or counted.
    assert_eq!(s.next_batch_line().unwrap(), None);
    finish(s, "batch_1", 1, true);
    assert_eq!(s.batch("batch_1").unwrap().unwrap(), got);
    // Cancelled again: as it is, no new files.
    assert_eq!(s.cancel_batch("batch_1").unwrap(), Some(got.clone()));
    assert_eq!(s.api_files().unwrap().len(), 2);
    assert_eq!(s.cancel_batch("batch_x").unwrap(), None);
    assert_eq!(b.input_file_id, got.input_file_id);
    // Cancelled before any line ran: no files at all.
    start(s, "batch_2", t0, 2);
    let got = f.second().cancel_batch("batch_2").unwrap().unwrap();
    assert_eq!(got.status, "cancelled");
    assert_eq!((got.output_file_id, got.error_file_id), (None, None));
}

pub fn only_a_batch_in_progress_is_cancelled<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    start(s, "batch_1", 100, 1);
    finish(s, "batch_1", 0, false);
    let done = s.batch("batch_1").unwrap().unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(s.cancel_batch("batch_1").unwrap(), Some(done.clone()));
    assert_eq!(s.batch("batch_1").unwrap(), Some(done));
    let failed = Batch {
        status: "failed".into(),
        ..batch("batch_2", "file-batch_1", 100, 0)
    };
    s.create_batch(&failed, &[]).unwrap();
    assert_eq!(s.cancel_batch("batch_2").unwrap(), Some(failed));
    // A batch still validating is cancelled too.
    let validating = Batch {
        status: "validating".into(),
        ..batch("batch_3", "file-batch_1", 100, 1)
    };
    s.create_batch(&validating, &[line("batch_3", 0)]).unwrap();
    let got = s.cancel_batch("batch_3").unwrap().unwrap();
    assert_eq!(got.status, "cancelled");
    assert!(got.cancelled_at.is_some());
    assert_eq!(s.api_files().unwrap().len(), 2);
}
