//! A blocking client for the daemon's own API, used by `zopilot key rotate`, `zopilot doctor`
//! and the tray (`zopilot-tray`). Plain HTTP on loopback (`ureq`), short timeouts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Nothing answers at the address (daemon not running, or another program on the port).
    #[error("the daemon does not answer at {0}")]
    Unreachable(String),
    /// 401: the key is missing or wrong (e.g. rotated since it was read).
    #[error("the daemon refused the API key")]
    Unauthorized,
    /// Any other non-2xx answer: status and the body's `error` text.
    #[error("HTTP {0}: {1}")]
    Http(u16, String),
}

/// The daemon's API at one address.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// A client for a daemon listening on `listen`; an unspecified address (`0.0.0.0`, `::`) is
    /// reached through loopback.
    pub fn new(listen: SocketAddr) -> Client {
        let ip = match listen.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Client {
            base: format!("http://{}", SocketAddr::new(ip, listen.port())),
            agent: ureq::AgentBuilder::new()
                .timeout_connect(Duration::from_secs(2))
                .timeout(Duration::from_secs(10))
                .build(),
        }
    }

    /// The base URL, `http://127.0.0.1:8765`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET path` with the key (if any) as `Authorization: Bearer`.
    pub fn get(&self, path: &str, key: Option<&str>) -> Result<Value, CallError> {
        self.call(self.agent.get(&format!("{}{path}", self.base)), key, None)
    }

    /// `POST path` with a JSON body (or none).
    pub fn post(
        &self,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        self.call(self.agent.post(&format!("{}{path}", self.base)), key, body)
    }

    fn call(
        &self,
        req: ureq::Request,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let req = match key {
            Some(k) => req.set("Authorization", &format!("Bearer {k}")),
            None => req,
        };
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match res {
            Ok(r) => r
                .into_json::<Value>()
                .map_err(|e| CallError::Http(200, format!("unreadable reply: {e}"))),
            Err(ureq::Error::Status(401, _)) => Err(CallError::Unauthorized),
            Err(ureq::Error::Status(code, r)) => {
                let msg = r
                    .into_json::<Value>()
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .unwrap_or_default();
                Err(CallError::Http(code, msg))
            }
            Err(ureq::Error::Transport(_)) => Err(CallError::Unreachable(self.base.clone())),
        }
    }
}
