//! The poller thread: all HTTP to the daemon happens here, never on the GUI thread.
//!
//! It polls `GET /status` every 2 s while the daemon answers and backs off (1 s, 2 s, 4 s … up
//! to 30 s) while it does not; a menu action wakes it at once. On 401 it re-reads the key from
//! the key store (the key may have been rotated) before reporting the refusal.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use zopilot_common::client::{CallError, Client};
use zopilot_common::config::Config;
use zopilot_common::key_store;

use crate::state::TrayState;

/// The interval while the daemon answers.
pub const POLL: Duration = Duration::from_secs(2);
/// The longest back-off while it does not.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the menu asks the poller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    OpenResults,
}

/// What the poller tells the menu.
#[derive(Debug, Clone)]
pub enum Update {
    State(TrayState),
    /// A one-off problem to show in the status line's tooltip (e.g. "could not pause: …").
    Notice(String),
}

/// The sending side for menu actions.
#[derive(Clone)]
pub struct Poller {
    tx: Sender<Command>,
}

impl Poller {
    pub fn send(&self, c: Command) {
        let _ = self.tx.send(c);
    }
}

/// The wait between polls: `POLL` while the daemon answers; 1 s, 2 s, 4 s … `MAX_BACKOFF`
/// while it does not.
#[derive(Debug, Default)]
pub struct Backoff(Option<Duration>);

impl Backoff {
    /// The wait after a poll that did (`true`) or did not reach the daemon.
    pub fn next(&mut self, reachable: bool) -> Duration {
        self.0 = match (reachable, self.0) {
            (true, _) => None,
            (false, None) => Some(Duration::from_secs(1)),
            (false, Some(d)) => Some((d * 2).min(MAX_BACKOFF)),
        };
        self.0.unwrap_or(POLL)
    }
    /// Poll at the normal pace again (after a menu action).
    pub fn reset(&mut self) {
        self.0 = None;
    }
}

/// Start the poller; updates arrive on the returned receiver.
pub fn spawn(cfg: Config) -> (Poller, Receiver<Update>) {
    let (cmd_tx, cmd_rx) = channel();
    let (up_tx, up_rx) = channel();
    std::thread::Builder::new()
        .name("poller".into())
        .spawn(move || run(cfg, cmd_rx, up_tx))
        .expect("spawning the poller thread");
    (Poller { tx: cmd_tx }, up_rx)
}

struct Api {
    client: Client,
    cfg: Config,
    key: Option<String>,
}

impl Api {
    /// A call with the cached key; on 401 the key is read again once.
    fn call(
        &mut self,
        f: impl Fn(&Client, &str) -> Result<serde_json::Value, CallError>,
    ) -> Result<serde_json::Value, String> {
        for attempt in 0..2 {
            if self.key.is_none() || attempt == 1 {
                self.key = key_store::find(&self.cfg)
                    .map_err(|e| format!("{e:#}"))?
                    .map(|k| k.key);
            }
            let Some(key) = self.key.clone() else {
                return Err("no API key yet: start the daemon once (zopilot serve)".into());
            };
            match f(&self.client, &key) {
                Ok(v) => return Ok(v),
                Err(CallError::Unauthorized) if attempt == 0 => continue,
                Err(CallError::Unauthorized) => {
                    return Err("the daemon refused the API key (zopilot key show)".into())
                }
                Err(CallError::Unreachable(at)) => {
                    return Err(format!("nothing answers at {at} (zopilot service install)"))
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        unreachable!("the loop returns")
    }
}

fn run(cfg: Config, commands: Receiver<Command>, updates: Sender<Update>) {
    let mut api = Api {
        client: Client::new(cfg.listen),
        cfg: cfg.clone(),
        key: None,
    };
    let mut backoff = Backoff::default();
    loop {
        let state = match api.call(|c, k| c.get("/status", Some(k))) {
            Ok(v) => TrayState::from_status(&v),
            Err(why) => TrayState::unreachable(&why),
        };
        let reachable = state.kind != crate::state::Kind::Unreachable;
        if updates.send(Update::State(state)).is_err() {
            return; // the menu is gone
        }
        let wait = backoff.next(reachable);
        match commands.recv_timeout(wait) {
            Ok(cmd) => {
                if let Err(e) = act(&mut api, cmd) {
                    tracing::warn!(error = %e, ?cmd, "menu action failed");
                    let _ = updates.send(Update::Notice(e));
                }
                backoff.reset();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn act(api: &mut Api, cmd: Command) -> Result<(), String> {
    match cmd {
        Command::Pause => api.call(|c, k| c.post("/pause", Some(k), None)).map(|_| ()),
        Command::Resume => api
            .call(|c, k| c.post("/resume", Some(k), None))
            .map(|_| ()),
        // The review page, signed in through a one-time link (the key stays here).
        Command::OpenResults => {
            let link = api.call(|c, k| c.post("/session/link", Some(k), None))?;
            let url = link["url"]
                .as_str()
                .ok_or("the daemon's sign-in link has no url")?;
            opener::open_browser(url).map_err(|e| format!("cannot open the browser: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_to_a_cap_and_resets() {
        let mut b = Backoff::default();
        let seen: Vec<u64> = (0..8).map(|_| b.next(false).as_secs()).collect();
        assert_eq!(seen, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.next(true), POLL);
        assert_eq!(b.next(false).as_secs(), 1);
    }
}
