//! No input takes the daemon down, and its data is private: the robustness probe's hostile files
//! dropped into a running daemon (it stays up with the same PID, each document ends with a
//! readable reason, the daemon's own peak memory stays bounded, originals stay); a child memory
//! limit that is what stopped a document; 0700/0600 modes of the data folder, database, WAL,
//! SHM and logs, also after a restart; `allow_remote` for non-loopback addresses.

mod support;

use std::time::{Duration, Instant};

use support::daemon::{self, Daemon};
use support::*;

const TERMINAL: [&str; 5] = [
    "classified",
    "preview_required",
    "failed",
    "dead",
    "duplicate",
];

/// Wait until `/documents` lists `n` documents, all terminal; returns them.
fn wait_terminal(d: &Daemon, n: usize, limit: Duration) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + limit;
    loop {
        let docs = d.get("/documents?limit=500");
        let docs = docs["documents"].as_array().cloned().unwrap_or_default();
        if docs.len() >= n
            && docs
                .iter()
                .all(|x| TERMINAL.contains(&x["status"].as_str().unwrap_or("")))
        {
            return docs;
        }
        assert!(
            Instant::now() < deadline,
            "not all terminal: {}",
            serde_json::to_string_pretty(&docs).unwrap()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Peak resident set of process `pid` (Linux `VmHWM`), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    zopilot::process_memory::peak_resident_bytes(Some(pid)).unwrap() as f64 / 1048576.0
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[test]
fn hostile_files_fail_with_reasons_and_the_daemon_stays_up() {
    let env = Env::new();
    let staging = env.path("staging");
    let files = zopilot::cli::bench::hostile::write_all(&staging).unwrap();
    let mut d = daemon::start(&env);
    let pid = d.child.id();
    let originals: Vec<(std::path::PathBuf, String)> = files
        .iter()
        .map(|f| {
            let to = env.drop_folder().join(f.file_name().unwrap());
            std::fs::rename(f, &to).unwrap();
            let sha = sha256(&to);
            (to, sha)
        })
        .collect();
    let links = zopilot::cli::bench::hostile::FILES
        .iter()
        .filter(|h| h.link && cfg!(unix))
        .count();
    let docs = wait_terminal(&d, files.len() - links, Duration::from_secs(600));
    assert!(
        d.child.try_wait().unwrap().is_none(),
        "the daemon exited: {}",
        std::fs::read_to_string(env.path("daemon.log")).unwrap()
    );
    assert_eq!(d.child.id(), pid);
    for h in zopilot::cli::bench::hostile::FILES {
        if h.link {
            // Never followed, so never queued.
            assert!(
                !docs.iter().any(|x| x["file_name"] == h.name),
                "{} was queued",
                h.name
            );
            continue;
        }
        let doc = docs
            .iter()
            .find(|x| x["file_name"] == h.name)
            .unwrap_or_else(|| panic!("{} was not queued", h.name));
        let status = doc["status"].as_str().unwrap();
        assert_ne!(status, "dead", "{}: {doc}", h.name);
        if h.must_fail {
            assert_eq!(status, "failed", "{}: {doc}", h.name);
        }
        if status == "failed" {
            let reason = doc["error"].as_str().unwrap_or("");
            assert!(
                reason.len() > 10 && !reason.contains("panicked"),
                "{}: unreadable reason {reason:?}",
                h.name
            );
        }
    }
    let by_name = |n: &str| {
        docs.iter().find(|x| x["file_name"] == n).unwrap()["error"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(by_name("huge-80mpx.png").contains("pixels"));
    assert!(by_name("pages-2000.pdf").contains("2000 pages"));
    let zip = by_name("zip-inflation.xlsx");
    assert!(zip.contains("inflates to more than 64 MiB"), "{zip}");
    // A resource stop is named as such, never as what the allocator said.
    let mediabox = by_name("huge-mediabox.pdf");
    assert!(!mediabox.contains("TryReserveError"), "{mediabox}");
    // Originals are kept, unchanged.
    for (p, sha) in originals.iter().filter(|(p, _)| !p.is_symlink()) {
        assert_eq!(&sha256(p), sha, "{}", p.display());
    }
    // The daemon's own memory: the model it may have loaded plus 300 MB, whatever the files
    // (none of them reaches the model: the text ones state no amount).
    let model = dir_bytes(&oracle_model()) as f64 / 1048576.0;
    let peak = peak_rss_mib(pid);
    assert!(
        peak < model + 300.0,
        "daemon peak RSS {peak:.0} MiB with a {model:.0} MiB model"
    );
    eprintln!("daemon peak RSS {peak:.0} MiB (model {model:.0} MiB)");
    // ONNX Runtime kept no telemetry state in the user's home.
    assert!(!env.path("home/.cache/Microsoft").exists());
    d.stop();
}

#[test]
fn the_child_memory_limit_is_what_stops_a_document() {
    let env = Env::new();
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_EXTRACT_MEMORY_MB", "300")
        .args([
            "process",
            corpus("img/i2d_FlipkartInvoice_scan.png").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Its own failure, at once: not retried, not dead-lettered.
    assert_eq!(doc["status"], "failed", "{doc}");
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .contains("ran out of its 300 MiB memory limit"),
        "{doc}"
    );
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn data_folder_database_and_logs_are_private_also_after_a_restart() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let data = env.path("data");
    // A data folder an older version left world-readable, with an old log file.
    std::fs::create_dir_all(data.join("logs")).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let old_log = data.join("logs/zopilot.log.2020-01-01");
    std::fs::write(&old_log, "old\n").unwrap();
    std::fs::set_permissions(&old_log, std::fs::Permissions::from_mode(0o644)).unwrap();
    for round in 0..2 {
        let d = daemon::start_with(&env, &[("ZOPILOT_PIPELINE", "checksum")]);
        std::fs::write(
            env.drop_folder().join(format!("r{round}.txt")),
            "Total: 1.00 EUR\n",
        )
        .unwrap();
        wait_terminal(&d, round + 1, Duration::from_secs(60));
        assert_eq!(mode(&data), 0o700, "round {round}: data folder");
        assert_eq!(
            mode(&data.join("logs")),
            0o700,
            "round {round}: logs folder"
        );
        let mut seen = 0;
        for dir in [data.clone(), data.join("logs")] {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("zopilot.sqlite3") || dir.ends_with("logs") {
                    assert_eq!(mode(&e.path()), 0o600, "round {round}: {name}");
                    seen += 1;
                }
            }
        }
        // Database, -wal, -shm and today's log (the old one too, unless pruned by retention).
        assert!(seen >= 4, "round {round}: only {seen} private files found");
        d.stop();
    }
}

#[test]
fn a_non_loopback_listen_needs_allow_remote() {
    let env = Env::new();
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_LISTEN", format!("0.0.0.0:{}", daemon::free_port()))
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allow_remote"), "{err}");
    // With allow_remote but the key only in the automatic fallback file: refused too.
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_LISTEN", format!("0.0.0.0:{}", daemon::free_port()))
        .env("ZOPILOT_ALLOW_REMOTE", "true")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keyring"), "{err}");
}
