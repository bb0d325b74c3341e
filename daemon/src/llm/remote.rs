//! Model calls on an OpenAI-compatible inference server (llama.cpp's `llama-server` or
//! `llama-cpp-python[server]`, vLLM, another zopilot's `/v1`): `engine_url` /
//! `ZOPILOT_ENGINE_URL`. Option scoring — every judgment of the pipeline — uses the
//! log-probabilities of the prompt tokens the server echoes back (OpenAI completions API,
//! `echo: true` + `logprobs`; <https://platform.openai.com/docs/api-reference/completions>,
//! supported by vLLM and llama-cpp-python's server): each option is sent as the rendered chat
//! prompt followed by the option and the end-of-turn token, and the option's score is the sum of
//! the log-probabilities of the tokens after the prompt — the same quantity the local engine
//! computes from its KV cache ([`super::score`]), so the same model gives the same ranking up to
//! float near-ties and tokenisation at the boundary.
//!
//! The prompt is rendered here with the local model folder's chat template (the server must
//! serve the same model). Each request has a timeout and is retried twice on a transport error
//! or a 5xx/429 answer; a [`Breaker`] sends calls back to the local model while the server fails
//! ([`super::EngineHandle::score`] falls back).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::breaker::Breaker;
use super::chat_template::ChatTemplate;
use super::{Message, OptionScore, ScoredOptions};

/// Where the server is and how to call it.
#[derive(Clone)]
pub struct RemoteSettings {
    /// Base URL (`http://gpu-box:8000`; `/v1/…` is appended).
    pub url: String,
    /// The model id to request; `None`: the first one the server lists.
    pub model: Option<String>,
    /// Bearer token, read from the environment variable `engine_api_key_env` names.
    pub api_key: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
    /// The local model folder whose chat template renders the prompts.
    pub template_dir: PathBuf,
}

impl std::fmt::Debug for RemoteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSettings")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What a server supports, probed once ([`RemoteEngine::probe`]; `zopilot doctor` prints it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    /// The model ids `/v1/models` lists.
    pub models: Vec<String>,
    /// The model requests will name.
    pub model: String,
    /// Whether completions with `echo` return the prompt tokens' log-probabilities (needed for
    /// option scoring).
    pub prompt_logprobs: bool,
    /// Round trip of the probe's completion, seconds.
    pub seconds: f64,
}

/// A client of one server.
pub struct RemoteEngine {
    settings: RemoteSettings,
    agent: ureq::Agent,
    template: OnceLock<Result<ChatTemplate, String>>,
    model: OnceLock<String>,
    /// Calls skip the server while it fails.
    pub breaker: Breaker,
    /// Option scorings the server answered, and those the local model answered instead (the
    /// server failed or its breaker was open).
    pub served: AtomicUsize,
    pub fell_back: AtomicUsize,
    /// The server takes a JSON Schema only as `{type: json_object, schema}` (llama-cpp-python).
    pub(super) json_object_form: AtomicBool,
}

/// Requests per call: the first and two retries.
const TRIES: usize = 3;

impl RemoteEngine {
    /// A client for `settings` (nothing is sent yet).
    pub fn new(settings: RemoteSettings) -> RemoteEngine {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5).min(settings.timeout))
            .timeout(settings.timeout)
            .build();
        RemoteEngine {
            breaker: Breaker::new(&settings.url),
            settings,
            agent,
            template: OnceLock::new(),
            model: OnceLock::new(),
            served: AtomicUsize::new(0),
            fell_back: AtomicUsize::new(0),
            json_object_form: AtomicBool::new(false),
        }
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.settings.url
    }

    fn endpoint(&self, path: &str) -> String {
        format!(
            "{}/v1/{path}",
            self.settings
                .url
                .trim_end_matches('/')
                .trim_end_matches("/v1")
        )
    }

    /// `body` POSTed to `path` (`chat/completions` …) with the retries of [`Self::call`].
    pub(super) fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        self.call(path, Some(body))
    }

    /// The model id requests name (see [`Self::model`]).
    pub(super) fn model_id(&self) -> Result<String, String> {
        self.model()
    }

    /// One request with retries: `body` POSTed to `path` (or a GET without a body).
    fn call(&self, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 * 4u64.pow(attempt as u32 - 1)));
            }
            let mut req = match body {
                Some(_) => self.agent.post(&self.endpoint(path)),
                None => self.agent.get(&self.endpoint(path)),
            };
            if let Some(k) = &self.settings.api_key {
                req = req.set("Authorization", &format!("Bearer {k}"));
            }
            let r = match body {
                Some(b) => req.send_json(b),
                None => req.call(),
            };
            match r {
                Ok(resp) => {
                    return resp
                        .into_json::<Value>()
                        .map_err(|e| format!("{path}: unreadable answer: {e}"))
                }
                Err(ureq::Error::Status(code, resp)) => {
                    let text = resp.into_string().unwrap_or_default();
                    last = format!(
                        "{path}: HTTP {code}: {}",
                        text.chars().take(300).collect::<String>()
                    );
                    if code != 429 && code < 500 {
                        break;
                    }
                }
                Err(e) => last = format!("{path}: {e}"),
            }
        }
        Err(last)
    }

    /// The model id requests name: the configured one, else the first `/v1/models` lists.
    fn model(&self) -> Result<String, String> {
        if let Some(m) = self.model.get().or(self.settings.model.as_ref()) {
            return Ok(m.clone());
        }
        let v = self.call("models", None)?;
        let first = v["data"][0]["id"]
            .as_str()
            .ok_or("/v1/models lists no model")?;
        Ok(self.model.get_or_init(|| first.to_string()).clone())
    }

    fn template(&self) -> Result<&ChatTemplate, String> {
        self.template
            .get_or_init(|| {
                ChatTemplate::load(&self.settings.template_dir).map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Ask the server what it supports: its models, and whether an echoed completion carries
    /// the prompt tokens' log-probabilities.
    ///
    /// Errors: the server does not answer, or answers something else than the API.
    pub fn probe(&self) -> Result<Probe, String> {
        let v = self.call("models", None)?;
        let models: Vec<String> = v["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect();
        let model = self.model()?;
        let t0 = Instant::now();
        let c = self.completion("The invoice total is 12.50 EUR.")?;
        let lp = &c["choices"][0]["logprobs"]["token_logprobs"];
        let prompt_logprobs = lp
            .as_array()
            .is_some_and(|a| a.iter().skip(1).take(3).all(Value::is_f64) && a.len() > 3);
        Ok(Probe {
            models,
            model,
            prompt_logprobs,
            seconds: t0.elapsed().as_secs_f64(),
        })
    }

    fn completion(&self, text: &str) -> Result<Value, String> {
        let body = json!({
            "model": self.model()?,
            "prompt": text,
            "max_tokens": 1,
            "temperature": 0.0,
            "echo": true,
            "logprobs": 1,
        });
        self.call("completions", Some(&body))
    }

    /// Score `options` as the answer to `messages` on the server: per option, Σ log p over its
    /// tokens and the end-of-turn token (see the module doc).
    ///
    /// Errors: the template cannot render, the server fails or returns no prompt
    /// log-probabilities (a sentence; the caller falls back to the local model).
    pub fn score(&self, messages: &[Message], options: &[String]) -> Result<ScoredOptions, String> {
        if options.is_empty() || options.iter().any(|o| o.trim().is_empty()) {
            return Err("score_options: empty option list or option".into());
        }
        let template = self.template()?;
        let prompt = template
            .render(messages, true)
            .map_err(|e| format!("{e:#}"))?;
        let end = if prompt.contains("<|im_start|>") {
            "<|im_end|>"
        } else {
            template.eos_token()
        };
        let t0 = Instant::now();
        // The prompt alone: how many tokens the server makes of it (then cached on its side).
        let prompt_tokens = usage_prompt_tokens(&self.completion(&prompt)?)?;
        let mut scores = Vec::with_capacity(options.len());
        for o in options {
            let full = format!("{prompt}{o}{end}");
            let c = self.completion(&full)?;
            scores.push(option_score(&c, &full, prompt_tokens)?);
        }
        Ok(ScoredOptions {
            scored_tokens: scores.iter().map(|s| s.tokens).sum(),
            options: scores,
            prompt_tokens,
            cached_tokens: 0,
            passes: options.len(),
            prefill_seconds: 0.0,
            scoring_seconds: t0.elapsed().as_secs_f64(),
        })
    }
}

fn usage_prompt_tokens(c: &Value) -> Result<usize, String> {
    c["usage"]["prompt_tokens"]
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| "the server's answer has no usage.prompt_tokens".to_string())
}

/// The option's score from the echoed completion `c` of `full` = prompt + option + end, the
/// prompt alone being `prompt_tokens` tokens: the option is the last `usage.prompt_tokens −
/// prompt_tokens` echoed tokens (counted from the end, before the one generated token — servers
/// may leave out leading tokens such as a BOS, never trailing ones).
fn option_score(c: &Value, full: &str, prompt_tokens: usize) -> Result<OptionScore, String> {
    let choice = &c["choices"][0];
    let Some(logprobs) = choice["logprobs"]["token_logprobs"].as_array() else {
        return Err(
            "the server returned no prompt log-probabilities (completions with echo + logprobs)"
                .into(),
        );
    };
    let k = usage_prompt_tokens(c)?.saturating_sub(prompt_tokens);
    // One token was generated after the echo unless the answer is the echo alone.
    let generated = usize::from(
        choice["text"]
            .as_str()
            .is_some_and(|t| t.len() > full.len()),
    );
    let end = logprobs
        .len()
        .checked_sub(generated)
        .ok_or("an empty echo")?;
    let start = end
        .checked_sub(k)
        .filter(|_| k > 0)
        .ok_or("the echoed tokens do not cover the option")?;
    let picked: Vec<f64> = logprobs[start..end]
        .iter()
        .map(|l| {
            l.as_f64()
                .ok_or("an option token without its log-probability")
        })
        .collect::<Result<_, _>>()?;
    let logprob: f64 = picked.iter().sum();
    Ok(OptionScore {
        logprob,
        tokens: k,
        mean: logprob / k as f64,
        first_logprob: picked[0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_is_scored_by_the_last_echoed_tokens() {
        // Prompt "ab" = 3 tokens (a BOS the echo leaves out), option "cd" + end = 3 tokens, then
        // one generated token ("!").
        let c = json!({"usage": {"prompt_tokens": 6}, "choices": [{"text": "abcd<e>!", "logprobs": {
            "token_logprobs": [null, -0.5, -1.0, -2.0, -0.25, -9.0]}}]});
        let s = option_score(&c, "abcd<e>", 3).unwrap();
        assert_eq!((s.tokens, s.logprob, s.first_logprob), (3, -3.25, -1.0));
        assert!((s.mean + 3.25 / 3.0).abs() < 1e-12);
        // Nothing generated (the model ended at once): the echo's last tokens are the option's.
        let c = json!({"usage": {"prompt_tokens": 6}, "choices": [{"text": "abcd<e>", "logprobs": {
            "token_logprobs": [null, -0.5, -1.0, -2.0, -0.25]}}]});
        assert_eq!(option_score(&c, "abcd<e>", 3).unwrap().logprob, -3.25);
        let none = json!({"usage": {"prompt_tokens": 6}, "choices": [{"text": "x"}]});
        assert!(option_score(&none, "abcd<e>", 3)
            .unwrap_err()
            .contains("no prompt log-probabilities"));
    }

    #[test]
    fn settings_never_show_the_key() {
        let s = RemoteSettings {
            url: "http://gpu:8000".into(),
            model: None,
            api_key: Some("sk-secret".into()),
            timeout: Duration::from_secs(1),
            template_dir: PathBuf::new(),
        };
        assert!(!format!("{s:?}").contains("sk-secret"));
    }
}
