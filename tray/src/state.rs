//! What the tray shows: the daemon's state, read from `GET /status`.

use serde_json::Value;

/// The five states the icon distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Running, nothing in flight.
    Idle,
    /// A document is being processed.
    Working,
    /// Processing is paused (watching goes on).
    Paused,
    /// The newest finished document failed.
    Error,
    /// The API does not answer, or refuses the key.
    Unreachable,
}

/// One snapshot for the menu.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayState {
    pub kind: Kind,
    /// The first menu line: "Running", "Paused", "Working on “a.pdf”", …
    pub headline: String,
    /// The second line: "3 queued · 12 done today · 1 failed", or a hint.
    pub counts: String,
    /// Folders to open, from the daemon (`None` when unreachable: the config's are used).
    pub drop_folder: Option<String>,
    pub logs_dir: Option<String>,
}

impl TrayState {
    /// The daemon cannot be reached; `why` becomes the second line.
    pub fn unreachable(why: &str) -> TrayState {
        TrayState {
            kind: Kind::Unreachable,
            headline: "Zopilot is not running".into(),
            counts: why.into(),
            drop_folder: None,
            logs_dir: None,
        }
    }

    /// From a `GET /status` body.
    pub fn from_status(v: &Value) -> TrayState {
        let n = |k: &str| v[k].as_i64().unwrap_or(0);
        // With a shared queue, `current` holds every desktop's documents: this daemon's own
        // first; the others are counted.
        let all: Vec<&Value> = v["current"].as_array().into_iter().flatten().collect();
        let mine = |c: &Value| v["instance"].is_null() || c["instance"] == v["instance"];
        let current = all
            .iter()
            .find(|c| mine(c))
            .and_then(|c| c["file"].as_str());
        let elsewhere = all.iter().filter(|c| !mine(c)).count();
        let (kind, headline) = if v["paused"].as_bool().unwrap_or(false) {
            match current {
                Some(f) => (Kind::Paused, format!("Pausing after “{}”", short(f))),
                None => (Kind::Paused, "Paused".to_string()),
            }
        } else if let Some(f) = current {
            (Kind::Working, format!("Working on “{}”", short(f)))
        } else if let Some(file) = v["last_error"]["file"].as_str() {
            (Kind::Error, format!("Error: “{}” failed", short(file)))
        } else {
            (Kind::Idle, "Running".to_string())
        };
        let failed = n("failed") + n("dead");
        let mut counts = format!("{} queued · {} done today", n("queued"), n("done_today"));
        if failed > 0 {
            counts.push_str(&format!(" · {failed} failed"));
        }
        if elsewhere > 0 {
            counts.push_str(&format!(" · {elsewhere} on other desktops"));
        }
        TrayState {
            kind,
            headline,
            counts,
            drop_folder: v["folders"]["drop_folder"].as_str().map(str::to_string),
            logs_dir: v["folders"]["logs_dir"].as_str().map(str::to_string),
        }
    }
}

/// File names longer than 40 characters keep their start and extension.
fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 40 {
        return name.to_string();
    }
    let head: String = chars[..30].iter().collect();
    let tail: String = chars[chars.len() - 8..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_follow_the_status_reply() {
        let base = json!({"paused": false, "current": [], "done_today": 12, "queued": 3,
                          "failed": 1, "dead": 1, "last_error": null,
                          "folders": {"drop_folder": "/in", "logs_dir": "/logs"}});
        let s = TrayState::from_status(&base);
        assert_eq!((s.kind, s.headline.as_str()), (Kind::Idle, "Running"));
        assert_eq!(s.counts, "3 queued · 12 done today · 2 failed");
        assert_eq!(s.drop_folder.as_deref(), Some("/in"));

        let mut w = base.clone();
        w["current"] = json!([{"id": 4, "file": "a.pdf"}]);
        assert_eq!(TrayState::from_status(&w).kind, Kind::Working);
        assert_eq!(TrayState::from_status(&w).headline, "Working on “a.pdf”");

        let mut p = w.clone();
        p["paused"] = json!(true);
        assert_eq!(TrayState::from_status(&p).kind, Kind::Paused);

        let mut e = base.clone();
        e["last_error"] = json!({"id": 2, "file": "b.pdf", "error": "corrupt"});
        assert_eq!(TrayState::from_status(&e).kind, Kind::Error);
    }

    #[test]
    fn other_desktops_documents_are_counted_not_shown_as_ours() {
        let v = json!({"paused": false, "done_today": 0, "queued": 5, "instance": "pc1:aa",
                       "current": [{"id": 7, "file": "theirs.pdf", "instance": "pc2:bb", "machine": "pc2"},
                                   {"id": 8, "file": "ours.pdf", "instance": "pc1:aa", "machine": "pc1"},
                                   {"id": 9, "file": "x.pdf", "instance": "pc3:cc", "machine": "pc3"}]});
        let s = TrayState::from_status(&v);
        assert_eq!(s.headline, "Working on “ours.pdf”");
        assert_eq!(s.counts, "5 queued · 0 done today · 2 on other desktops");
        let mut idle = v.clone();
        idle["current"].as_array_mut().unwrap().remove(1);
        let s = TrayState::from_status(&idle);
        assert_eq!(
            (s.kind, s.counts.as_str()),
            (Kind::Idle, "5 queued · 0 done today · 2 on other desktops")
        );
    }

    #[test]
    fn long_names_are_shortened() {
        let long = format!("{}.pdf", "x".repeat(60));
        let s = short(&long);
        assert_eq!(s.chars().count(), 39);
        assert!(s.ends_with("xxxx.pdf"));
    }
}
