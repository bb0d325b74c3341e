//! A running `zopilot serve` for end-to-end tests: start it on a free loopback port in an
//! [`Env`], call its API with the key, stop it gently (SIGTERM) or hard (SIGKILL).
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{profile, Env};

pub struct Daemon {
    pub child: Child,
    pub base: String,
    pub key: String,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the daemon with a 500 ms stability window.
pub fn start(env: &Env) -> Daemon {
    start_with(env, &[])
}

/// Start the daemon with extra environment variables; waits until `/health` answers.
pub fn start_with(env: &Env, vars: &[(&str, &str)]) -> Daemon {
    let port = vars
        .iter()
        .find(|(k, _)| *k == "ZOPILOT_LISTEN")
        .map(|(_, v)| v.rsplit(':').next().unwrap().parse().unwrap())
        .unwrap_or_else(free_port);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(env.path("daemon.log"))
        .unwrap();
    let mut cmd = env.command(&profile("taylors-store.toml"));
    cmd.env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"))
        .env("ZOPILOT_STABILITY_WINDOW_MS", "500")
        .env("ZOPILOT_WATCH_DRIVE", "false");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let child = cmd
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // Any HTTP answer means it is up (a private /health answers 401).
        if !matches!(
            ureq::get(&format!("{base}/health")).call(),
            Err(ureq::Error::Transport(_))
        ) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "daemon did not come up: {}",
            std::fs::read_to_string(env.path("daemon.log")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The file fallback (no D-Bus in `Env`); empty when the key is in a keyring instead.
    let key = std::fs::read_to_string(env.path("config/api_key"))
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    Daemon { child, base, key }
}

impl Daemon {
    pub fn get(&self, path: &str) -> Value {
        ureq::get(&format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.key))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    }

    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = ureq::post(&format!("{}{path}", self.base))
            .set("X-API-Key", &self.key)
            .send_json(body);
        match r {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    }

    /// SIGTERM, then wait for the exit (graceful shutdown).
    pub fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL: no cleanup of any kind.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
