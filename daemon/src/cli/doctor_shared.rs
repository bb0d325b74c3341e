//! `zopilot doctor`'s checks of what a firm shares: the PostgreSQL store (`database_url`) and
//! the inference server (`engine_url`) — reached, migrated, and able to score options (the
//! server's prompt log-probabilities, probed once).

use super::doctor_check::{Check, Level};
use crate::config::Config;

/// The shared store, when `database_url` is set: it connects and its schema is current.
pub fn database(cfg: &Config) -> Option<Check> {
    let url = cfg.database_url.as_ref()?;
    let shown = crate::store::postgres::redact(url);
    Some(match crate::store::postgres::PgStore::connect(url) {
        Ok(_) => Check {
            name: "database",
            level: Level::Ok,
            detail: format!("PostgreSQL at {shown}, schema current"),
            fix: None,
        },
        Err(e) => Check {
            name: "database",
            level: Level::Fail,
            detail: format!("{e:#}"),
            fix: Some(format!(
                "check that the server at {shown} runs and accepts this role (pg_hba.conf, password), or remove database_url to use this machine's own SQLite file"
            )),
        },
    })
}

/// The inference server, when `engine_url` is set: its models, and whether it returns the
/// prompt tokens' log-probabilities that option scoring needs.
pub fn engine_server(cfg: &Config) -> Option<Check> {
    let settings = crate::pipeline::model_settings(cfg).remote?;
    let url = settings.url.clone();
    let remote = crate::llm::remote::RemoteEngine::new(settings);
    Some(match remote.probe() {
        Ok(p) if p.prompt_logprobs => Check {
            name: "engine server",
            level: Level::Ok,
            detail: format!(
                "{url}: model {} (of {}), completions with echo + logprobs score options ({:.2} s a probe)",
                p.model,
                p.models.join(", "),
                p.seconds
            ),
            fix: None,
        },
        Ok(p) => Check {
            name: "engine server",
            level: Level::Warn,
            detail: format!("{url}: model {} answers but returns no prompt log-probabilities: every judgment runs on the local model", p.model),
            fix: Some("serve with prompt log-probabilities (llama-cpp-python: logits_all; vLLM: completions with echo + logprobs)".into()),
        },
        Err(e) => Check {
            name: "engine server",
            level: Level::Warn,
            detail: format!("{url}: {e}; model calls run on the local model"),
            fix: Some("start the server, or check engine_url / engine_model / the API key variable".into()),
        },
    })
}
