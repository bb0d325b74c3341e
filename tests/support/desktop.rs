//! Desktop test sessions: a private D-Bus session with an unlocked GNOME Keyring (the real
//! Secret Service), and checks that the desktop tools are installed (tests/desktop-deps.sh).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Fail with the install hint when a tool is missing: CI installs them, so a missing tool is a
/// broken set-up, not a reason to skip.
pub fn require(tools: &[&str]) {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t} >/dev/null")])
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "missing {missing:?}: run tests/desktop-deps.sh (as root) first"
    );
}

/// `<home>/run`, mode 0700, as `XDG_RUNTIME_DIR` must be.
fn runtime_dir(home: &Path) -> std::path::PathBuf {
    let run = home.join("run");
    std::fs::create_dir_all(&run).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    run
}

/// A command that runs `script` (sh) inside `dbus-run-session` after starting and unlocking
/// `gnome-keyring-daemon` (secrets component) in `home`, with the environment of `base`
/// (an `Env::command`), its program as `$ZOPILOT`.
pub fn in_keyring_session(base: &Command, home: &Path, script: &str) -> Command {
    require(&["dbus-run-session", "gnome-keyring-daemon"]);
    let run = runtime_dir(home);
    let prelude = "set -e\n\
        printf 'zopilot-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n";
    let mut c = Command::new("dbus-run-session");
    c.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_RUNTIME_DIR", &run)
        .env("ZOPILOT", base.get_program())
        .args(["--", "sh", "-c", &format!("{prelude}{script}")]);
    c
}

/// A private D-Bus session bus with GNOME Keyring's Secret Service unlocked on it, for
/// processes started with [`KeyringSession::apply`]. Stopped (bus and keyring) on drop.
pub struct KeyringSession {
    pub address: String,
    pub home: std::path::PathBuf,
    bus_pid: u32,
}

impl KeyringSession {
    pub fn start(home: &Path) -> KeyringSession {
        require(&["dbus-daemon", "gnome-keyring-daemon"]);
        let run = runtime_dir(home);
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .arg(format!("--address=unix:path={}", run.join("bus").display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut lines = text.lines();
        let address = lines.next().unwrap().trim().to_string();
        let bus_pid = lines.next().unwrap().trim().parse().unwrap();
        let s = KeyringSession {
            address,
            home: home.to_path_buf(),
            bus_pid,
        };
        let mut unlock = Command::new("sh");
        s.apply(&mut unlock);
        let st = unlock
            .args([
                "-c",
                "printf 'zopilot-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null",
            ])
            .status()
            .unwrap();
        assert!(st.success());
        s
    }

    /// Point a command at this session (bus, home, runtime dir).
    pub fn apply(&self, c: &mut Command) {
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", self.home.join("run"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"));
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        // gnome-keyring-daemon leaves when its bus goes away.
        let _ = Command::new("kill").arg(self.bus_pid.to_string()).status();
    }
}
