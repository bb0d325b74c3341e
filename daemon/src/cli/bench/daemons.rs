//! `zopilot bench queue --database URL --daemons 1,2,4`: several real daemons (this binary's
//! `serve`) sharing one PostgreSQL queue and one drop folder, the checksum pipeline (each
//! document read and hashed after `--stage-ms`), originals moved to `processed/`. For each daemon
//! count: a fresh database on the server of URL (dropped afterwards), `--files` files dropped,
//! `--kills` `kill -9` of a random daemon spread over the run (each restarted at once, so its
//! start-up recovery takes its claims back; the others take over when leases run out). Prints
//! documents per second from the first file dropped to the last document finished and moved, and
//! what went wrong: files with no document (lost), extra documents or documents finished twice
//! (duplicated), originals not moved exactly once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::config::Config;
use crate::store::{postgres, Status, Store};

/// What one daemon count measured.
struct Figures {
    daemons: usize,
    seconds: f64,
    lost: usize,
    duplicated: usize,
    moved_once: usize,
    claimed_again: usize,
}

/// A daemon of the run: its folder, and the process while it runs.
struct Member {
    dir: PathBuf,
    child: Option<Child>,
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub(super) struct Run<'a> {
    pub url: &'a str,
    pub daemons: &'a [usize],
    pub files: usize,
    pub kills: usize,
    pub stage_ms: u64,
}

pub(super) fn run(cfg: &Config, r: &Run<'_>) -> Result<ExitCode> {
    println!(
        "{} files, checksum pipeline ({} ms a document), {} kill -9 per run, lease 5 s; database server {}",
        r.files,
        r.stage_ms,
        r.kills,
        postgres::redact(r.url)
    );
    let mut bad = false;
    for &n in r.daemons {
        let f = one(cfg, r, n)?;
        println!(
            "  {} daemon(s): {:>6.1} s  {:>7.1} docs/s   lost {}  duplicated {}  moved once {}/{}  claimed again {}",
            f.daemons,
            f.seconds,
            r.files as f64 / f.seconds,
            f.lost,
            f.duplicated,
            f.moved_once,
            r.files,
            f.claimed_again
        );
        bad |= f.lost > 0 || f.duplicated > 0 || f.moved_once != r.files;
    }
    Ok(if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn one(cfg: &Config, r: &Run<'_>, n: usize) -> Result<Figures> {
    let name = format!("zopilot_bench_{}_{n}", std::process::id());
    let url = postgres::create_database(r.url, &name)?;
    let scratch = super::scratch::tempfile_dir()?.join(&name);
    let result = measure(cfg, r, n, &url, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    postgres::drop_database(r.url, &name)?;
    result
}

fn measure(cfg: &Config, r: &Run<'_>, n: usize, url: &str, scratch: &Path) -> Result<Figures> {
    let drop_folder = scratch.join("drop");
    let staging = scratch.join("staging");
    std::fs::create_dir_all(&drop_folder)?;
    std::fs::create_dir_all(&staging)?;
    let profile = profile(cfg, scratch)?;
    let mut members: Vec<Member> = (0..n)
        .map(|i| Member {
            dir: scratch.join(format!("daemon-{i}")),
            child: None,
        })
        .collect();
    for m in &mut members {
        start(m, url, &drop_folder, &profile, r.stage_ms)?;
    }
    let t0 = Instant::now();
    for i in 0..r.files {
        let tmp = staging.join(format!("{i}.txt"));
        std::fs::write(
            &tmp,
            format!("Receipt {i}\nTotal: {}.{:02} EUR\n", 10 + i, i % 100),
        )?;
        std::fs::rename(&tmp, drop_folder.join(format!("receipt-{i:05}.txt")))?;
    }
    let store = Store::new(postgres::PgStore::connect(url)?);
    let deadline = Instant::now() + Duration::from_secs(600 + r.files as u64 * r.stage_ms / 100);
    let (mut rng, mut killed) = (rand::rng(), 0);
    let docs = loop {
        let docs = store.documents(None, r.files * 2 + 100, 0)?;
        let done = docs.iter().filter(|d| d.status.is_terminal()).count();
        // The kills, spread over the processing: the k-th once k/(kills+1) of the files are done.
        if killed < r.kills && done * (r.kills + 1) >= (killed + 1) * r.files {
            let k = rand::Rng::random_range(&mut rng, 0..n);
            if let Some(mut c) = members[k].child.take() {
                c.kill()?;
                c.wait()?;
            }
            start(&mut members[k], url, &drop_folder, &profile, r.stage_ms)?;
            killed += 1;
        }
        let open = docs
            .iter()
            .any(|d| !d.status.is_terminal() || d.move_pending.is_some());
        if docs.len() >= r.files && !open {
            break docs;
        }
        anyhow::ensure!(Instant::now() < deadline, "the run did not finish in time");
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = t0.elapsed().as_secs_f64();
    drop(members);
    let shas: std::collections::BTreeSet<&str> = docs.iter().map(|d| d.sha256.as_str()).collect();
    let processed = std::fs::read_dir(drop_folder.join("processed"))
        .map(|d| d.flatten().count())
        .unwrap_or(0);
    let moved_once = docs
        .iter()
        .filter(|d| d.status == Status::Classified && d.moved_to.is_some())
        .count()
        .min(processed);
    Ok(Figures {
        daemons: n,
        seconds,
        lost: r.files.saturating_sub(shas.len()),
        duplicated: docs.len() - shas.len() + processed.saturating_sub(r.files),
        moved_once,
        claimed_again: docs
            .iter()
            .filter(|d| d.attempts + d.interruptions > 1)
            .count(),
    })
}

/// The business profile the daemons run with: the configured one, else a minimal one.
fn profile(cfg: &Config, scratch: &Path) -> Result<PathBuf> {
    if let Some(p) = &cfg.business_profile {
        return Ok(p.clone());
    }
    let p = scratch.join("profile.toml");
    std::fs::write(
        &p,
        "name = \"Queue Bench Ltd\"\ncountry = \"US\"\ncurrency = \"USD\"\n",
    )?;
    Ok(p)
}

/// Start member `m` (`zopilot serve` with its own data and config folders) and wait until its
/// API answers.
fn start(
    m: &mut Member,
    url: &str,
    drop_folder: &Path,
    profile: &Path,
    stage_ms: u64,
) -> Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    std::fs::create_dir_all(&m.dir)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(m.dir.join("daemon.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("ZOPILOT_CONFIG", m.dir.join("config/config.toml"))
        .env("ZOPILOT_DATA_DIR", m.dir.join("data"))
        .env("ZOPILOT_DROP_FOLDER", drop_folder)
        .env("ZOPILOT_DATABASE_URL", url)
        .env("ZOPILOT_BUSINESS_PROFILE", profile)
        .env("ZOPILOT_PIPELINE", "checksum")
        .env("ZOPILOT_CHECKSUM_STAGE_MS", stage_ms.to_string())
        .env("ZOPILOT_MOVE_ORIGINALS", "true")
        .env("ZOPILOT_LEASE_SECONDS", "5")
        .env("ZOPILOT_RETRY_BASE_MS", "100")
        .env("ZOPILOT_STABILITY_WINDOW_MS", "300")
        .env("ZOPILOT_WATCH_DRIVE", "false")
        .env("ZOPILOT_KEY_STORE", "file")
        .env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"))
        .env("ZOPILOT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting a daemon")?;
    m.child = Some(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = m.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
            let log = std::fs::read_to_string(m.dir.join("daemon.log")).unwrap_or_default();
            anyhow::bail!(
                "a daemon exited ({status}): {}",
                log.lines().last().unwrap_or("")
            );
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "a daemon did not come up in 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
