//! `zopilot bench queue`: how fast documents get into the queue, and how soon after its last
//! write the watcher sees a file as ready. Runs on a scratch folder and database under the
//! system temp dir with the configured `stability_window_ms` and the real SQLite settings.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::config::Config;
use crate::content::hash_file;
use crate::store::Store;
use crate::watch::{self, sources};

/// A folder removed when dropped.
struct Scratch(std::path::PathBuf);
impl Scratch {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(super) fn run(cfg: &Config, files: usize, watched: usize) -> Result<ExitCode> {
    let scratch_dir = super::scratch::tempfile_dir()?.join("queue");
    let _ = std::fs::remove_dir_all(&scratch_dir);
    std::fs::create_dir_all(&scratch_dir)?;
    let scratch = Scratch(scratch_dir);
    let src = scratch.path().join("files");
    std::fs::create_dir_all(&src)?;
    let paths: Vec<_> = (0..files)
        .map(|i| {
            let p = src.join(format!("receipt-{i:05}.txt"));
            std::fs::write(
                &p,
                format!("Receipt {i}\nTotal: {}.{:02} EUR\n", 10 + i, i % 100),
            )
            .map(|_| p)
        })
        .collect::<std::io::Result<_>>()?;

    throughput(scratch.path(), &paths)?;
    latency(cfg, scratch.path(), watched)?;
    Ok(ExitCode::SUCCESS)
}

/// Enqueue throughput: one transaction per file, then batches of 100 as the watcher does.
fn throughput(scratch: &std::path::Path, paths: &[std::path::PathBuf]) -> Result<()> {
    let files = paths.len();
    // One transaction (one fsync) per file, hashing included.
    let store = Store::open(&scratch.join("single.sqlite3"))?;
    let t0 = Instant::now();
    for p in paths {
        store.enqueue(p, "bench", 0)?;
    }
    let single = files as f64 / t0.elapsed().as_secs_f64();
    // As the watcher does it: hash, then one transaction per burst of 100.
    let store = Store::open(&scratch.join("batch.sqlite3"))?;
    let t0 = Instant::now();
    for chunk in paths.chunks(100) {
        let hashed: Vec<_> = chunk
            .iter()
            .map(|p| hash_file(p).map(|(s, n)| (std::path::PathBuf::as_path(p), s, n)))
            .collect::<Result<_>>()?;
        let items: Vec<_> = hashed
            .iter()
            .map(|(p, s, n)| (*p, s.as_str(), *n))
            .collect();
        store.enqueue_batch(&items, "bench", 0)?;
    }
    let batched = files as f64 / t0.elapsed().as_secs_f64();
    println!("enqueue throughput ({files} files, SHA-256 included, synchronous=FULL):");
    println!("  one transaction per file   {single:>9.0} docs/s");
    println!("  batches of 100 (watcher)   {batched:>9.0} docs/s");
    Ok(())
}

/// Readiness latency through the real watcher: files written in three parts; time from the last
/// write to the enqueue, p50/p99.
fn latency(cfg: &Config, scratch: &std::path::Path, watched: usize) -> Result<()> {
    // Readiness latency through the real watcher.
    let folder = scratch.join("watched");
    std::fs::create_dir_all(&folder)?;
    let store = Store::open(&scratch.join("watch.sqlite3"))?;
    let window = Duration::from_millis(cfg.stability_window_ms);
    let enqueued: Arc<Mutex<HashMap<i64, Instant>>> = Default::default();
    let e2 = enqueued.clone();
    let source = sources::Source {
        name: "drop_folder",
        path: folder.clone(),
        method: sources::Method::Events,
        why: "bench".into(),
        present: true,
        may_move: false,
    };
    let w = watch::spawn(
        &source,
        watch::Timing {
            stability: window,
            poll_interval: Duration::from_millis(cfg.poll_interval_ms),
        },
        store.clone(),
        move |id| {
            e2.lock().unwrap().insert(id, Instant::now());
        },
    )?;
    std::thread::sleep(Duration::from_millis(300));
    let last_write = write_in_parts(&folder, watched)?;
    let deadline = Instant::now() + window * 3 + Duration::from_secs(10);
    while enqueued.lock().unwrap().len() < watched && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(w);
    let got = enqueued.lock().unwrap().clone();
    let mut lat: Vec<f64> = got
        .iter()
        .filter_map(|(id, at)| {
            let doc = store.document(*id).ok()??;
            let w = last_write.get(&doc.original_path)?;
            Some(at.duration_since(*w).as_secs_f64())
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    if lat.is_empty() {
        anyhow::bail!("the watcher enqueued nothing");
    }
    println!(
        "watcher readiness after the last write ({} of {watched} files, stability window {:.1} s):",
        lat.len(),
        window.as_secs_f64()
    );
    println!(
        "  p50 {:.3} s   p99 {:.3} s   max {:.3} s   (floor: p99 ≤ window + 0.5 s = {:.1} s)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[lat.len() - 1],
        window.as_secs_f64() + 0.5
    );
    Ok(())
}

/// Write `n` files into `folder`, each in three writes 30 ms apart, files 40 ms apart; the
/// instant of each file's last write by canonical path.
fn write_in_parts(folder: &std::path::Path, n: usize) -> Result<HashMap<String, Instant>> {
    let mut last_write: HashMap<String, Instant> = HashMap::new();
    for i in 0..n {
        // Each file in three writes 30 ms apart, files staggered by 40 ms.
        let name = format!("invoice-{i:03}.pdf");
        let p = folder.join(&name);
        use std::io::Write;
        let mut f = std::fs::File::create(&p)?;
        for k in 0..3 {
            f.write_all(format!("%PDF-1.4 part {k} of invoice {i}\n").as_bytes())?;
            f.flush()?;
            if k < 2 {
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        drop(f);
        last_write.insert(
            p.canonicalize()?.to_string_lossy().into_owned(),
            Instant::now(),
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    Ok(last_write)
}
