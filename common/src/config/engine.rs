//! The `[engine]` table of `config.toml`: the inference server as a table instead of the flat
//! `engine_*` keys.

use serde::{Deserialize, Serialize};

use super::Settings;

/// `[engine]` in `config.toml`: an OpenAI-compatible inference server for the model calls.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EngineTable {
    /// Base URL (`http://gpu-box:8000`).
    pub url: Option<String>,
    /// Model id to request (default: the first the server lists).
    pub model: Option<String>,
    /// Name of the environment variable holding the server's API key.
    pub api_key_env: Option<String>,
    /// Timeout of one request, seconds.
    pub timeout_seconds: Option<u64>,
}

impl EngineTable {
    /// Fill the flat `engine_*` settings this table gives and `s` leaves unset (flags,
    /// variables and flat keys win).
    pub fn fill(self, s: &mut Settings) {
        s.engine_url = s.engine_url.take().or(self.url);
        s.engine_model = s.engine_model.take().or(self.model);
        s.engine_api_key_env = s.engine_api_key_env.take().or(self.api_key_env);
        s.engine_timeout_seconds = s.engine_timeout_seconds.or(self.timeout_seconds);
    }
}
