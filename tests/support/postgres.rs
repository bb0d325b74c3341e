//! A throwaway PostgreSQL server for tests: `initdb` and `postgres` from the system's
//! PostgreSQL packages (Debian's `postgresql`; `.ci/run` installs it) in a fresh folder, on a free
//! loopback port, trust authentication for the `zopilot` role. Started once per test process on
//! a thread that lives as long as the process; the server gets SIGKILL when the process ends
//! (Linux `PR_SET_PDEATHSIG`), and folders left by earlier test processes are removed. Run as
//! root (CI containers), the server runs as the `postgres` user: PostgreSQL refuses root.
//!
//! Each caller gets its own database ([`fresh_database`]), so tests run in parallel without
//! seeing each other's rows.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running server.
pub struct PgServer {
    pub port: u16,
    pub dir: PathBuf,
}

static SERVER: OnceLock<PgServer> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The folder holding PostgreSQL's server programs (`initdb`, `postgres`): `ZOPILOT_PG_BIN`,
/// else the newest `/usr/lib/postgresql/<version>/bin`, else the folder of `initdb` on `PATH`.
pub fn bin_dir() -> PathBuf {
    if let Ok(d) = std::env::var("ZOPILOT_PG_BIN") {
        return PathBuf::from(d);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.retain(|p| p.join("initdb").exists());
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str()?.parse::<u32>().ok())
    });
    if let Some(p) = versions.pop() {
        return p;
    }
    let out = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .expect("sh");
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        p.is_file(),
        "PostgreSQL's initdb was not found: install Debian's postgresql package (as .ci/run does) \
         or set ZOPILOT_PG_BIN to its bin folder"
    );
    p.parent().unwrap().to_path_buf()
}

/// The uid and gid of the `postgres` user, when this process runs as root.
fn server_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "running as root and there is no postgres user to run the test server as"
    );
    Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

fn as_server_user(cmd: &mut Command, user: Option<(u32, u32)>) {
    use std::os::unix::process::CommandExt;
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = user {
                if libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After the credential change, which clears it: die with this test process.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Remove the folders of test servers whose process is gone.
fn sweep(root: &Path) {
    for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let pid: Option<i32> = e.file_name().to_str().and_then(|n| n.parse().ok());
        if let Some(pid) = pid {
            if unsafe { libc::kill(pid, 0) } != 0 {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

fn start() -> PgServer {
    let bin = bin_dir();
    let user = server_user();
    let root = std::env::temp_dir().join("zopilot-pg-tests");
    std::fs::create_dir_all(&root).unwrap();
    sweep(&root);
    let dir = root.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let data = dir.join("data");
    let mut init = Command::new(bin.join("initdb"));
    init.args([
        "--auth=trust",
        "--username=zopilot",
        "--encoding=UTF8",
        "--no-sync",
        "-D",
    ])
    .arg(&data)
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    as_server_user(&mut init, user);
    let out = init.output().expect("running initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let (bin2, data2, log) = (bin.clone(), data.clone(), dir.join("server.log"));
    let (tx, rx) = std::sync::mpsc::channel();
    // The server's parent is this thread, which never ends: PR_SET_PDEATHSIG fires on the
    // parent *thread*'s exit, and test threads end with their test.
    std::thread::Builder::new()
        .name("postgres-test-server".into())
        .spawn(move || {
            let mut cmd = Command::new(bin2.join("postgres"));
            cmd.arg("-D")
                .arg(&data2)
                .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "unix_socket_directories=", "-c", "fsync=off"])
                .args(["-c", "max_connections=200"])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap());
            as_server_user(&mut cmd, user);
            let child = cmd.spawn();
            tx.send(child.map(|_| ())).unwrap();
            loop {
                std::thread::park();
            }
        })
        .unwrap();
    rx.recv().unwrap().expect("starting postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = format!("postgres://zopilot@127.0.0.1:{port}/postgres");
    loop {
        if postgres::Client::connect(&url, postgres::NoTls).is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "postgres did not accept connections: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    PgServer { port, dir }
}

/// The shared test server, started on first use.
pub fn server() -> &'static PgServer {
    SERVER.get_or_init(start)
}

/// The URL of a new, empty database on the test server (`postgres://zopilot@127.0.0.1:PORT/NAME`).
pub fn fresh_database() -> String {
    let s = server();
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let admin = format!("postgres://zopilot@127.0.0.1:{}/postgres", s.port);
    // From a plain thread: the postgres crate cannot block inside a tokio runtime.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!("postgres://zopilot@127.0.0.1:{}/{name}", server().port)
    })
    .join()
    .unwrap()
}
