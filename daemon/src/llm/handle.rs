//! The engine handle: one thread owns the [`Engine`] (loaded on the first request, once), and
//! everything that needs the model — the pipeline's stages, the API's `/prompt` — sends it
//! requests through a bounded queue and waits for the answer. Requests run one at a time, in
//! arrival order; a [`CancelToken`] stops a waiting request before it starts and a running
//! generation at its next forward pass.
//!
//! This is where engine-wide work lives (prefix caching, batching): callers only see
//! [`EngineHandle::generate`], [`EngineHandle::count_prompt_tokens`] and [`EngineHandle::info`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::{
    CancelToken, Completion, Engine, GenerateError, GenerationRequest, Message, ScoredOptions,
};
use crate::config::ExecutionProvider;

/// Where the model comes from and how it runs.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    pub ort_library: PathBuf,
    pub model_dir: PathBuf,
    pub execution_provider: ExecutionProvider,
    /// ONNX Runtime intra-op threads (0: ONNX Runtime's choice).
    pub intra_threads: usize,
    /// The prefix KV cache's budget, bytes ([`super::prefix_cache`]).
    pub prefix_cache_bytes: usize,
    /// Folder and byte budget of the prefixes kept on disk ([`super::prefix_store`]); `None`:
    /// memory only.
    pub prefix_store: Option<(PathBuf, u64)>,
    /// Prompt lookup drafts under greedy decoding ([`super::prompt_lookup`]).
    pub prompt_lookup: bool,
    /// Byte budget of one batched option-scoring pass; 0: one option per pass
    /// ([`super::score`]).
    pub score_batch_bytes: usize,
    /// An OpenAI-compatible inference server that option scoring goes to first
    /// ([`super::remote`]); the local model answers when it fails.
    pub remote: Option<super::remote::RemoteSettings>,
}

impl ModelSettings {
    /// The model's id for APIs that name models (`/v1/models`): its folder's name, links
    /// followed (`default` → the model it points to).
    pub fn model_id(&self) -> String {
        self.model_dir
            .canonicalize()
            .unwrap_or_else(|_| self.model_dir.clone())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "default".into())
    }
}

/// Facts about the loaded model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelInfo {
    /// The model folder's name.
    pub name: String,
    /// Prompt + generated tokens the model accepts.
    pub context_length: usize,
    /// Seconds the load took.
    pub load_seconds: f64,
}

/// Why a request to the engine did not produce an answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The model could not be loaded (missing folder, library, broken files). Worth retrying once
    /// the installation is fixed.
    #[error("model not available: {0}")]
    Unavailable(String),
    /// The request queue is full (the caller may retry later).
    #[error("the model is busy: {0} requests are waiting")]
    Busy(usize),
    /// The request was cancelled before or while it ran.
    #[error("the request was cancelled")]
    Cancelled,
    /// The generation itself failed or was refused.
    #[error(transparent)]
    Generate(#[from] GenerateError),
}

type Work = Box<dyn FnOnce(Result<&mut Engine, String>) + Send>;

/// The shared handle (cheap to clone).
#[derive(Clone)]
pub struct EngineHandle {
    tx: SyncSender<Work>,
    waiting: Arc<AtomicUsize>,
    info: Arc<OnceLock<ModelInfo>>,
    settings: Arc<ModelSettings>,
    remote: Option<Arc<super::remote::RemoteEngine>>,
}

/// Requests that may wait for the engine before [`EngineError::Busy`].
pub const DEFAULT_QUEUE: usize = 64;

impl EngineHandle {
    /// Start the engine thread; the model is loaded on the first request. At most `queue`
    /// requests wait at a time.
    pub fn spawn(settings: ModelSettings, queue: usize) -> EngineHandle {
        let (tx, rx) = mpsc::sync_channel::<Work>(queue.max(1));
        let info = Arc::new(OnceLock::new());
        let waiting = Arc::new(AtomicUsize::new(0));
        let (s, i, w) = (settings.clone(), info.clone(), waiting.clone());
        std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || engine_thread(s, rx, i, w))
            .expect("spawning the engine thread");
        let remote = settings
            .remote
            .clone()
            .map(|r| Arc::new(super::remote::RemoteEngine::new(r)));
        EngineHandle {
            tx,
            waiting,
            info,
            settings: Arc::new(settings),
            remote,
        }
    }

    /// The settings the engine loads from.
    pub fn settings(&self) -> &ModelSettings {
        &self.settings
    }

    /// Requests waiting or running now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Run `f` on the engine thread with the loaded model and wait for its answer.
    ///
    /// Errors: [`EngineError::Unavailable`] when the model cannot be loaded,
    /// [`EngineError::Busy`] when the queue is full, [`EngineError::Cancelled`] when `cancel`
    /// was set before the request's turn came.
    pub fn run<R: Send + 'static>(
        &self,
        cancel: Option<&CancelToken>,
        f: impl FnOnce(&mut Engine) -> R + Send + 'static,
    ) -> Result<R, EngineError> {
        let (reply, answer) = mpsc::sync_channel::<Result<R, EngineError>>(1);
        let token = cancel.cloned();
        let waiting = self.waiting.clone();
        let work: Work = Box::new(move |engine| {
            let r = match engine {
                Err(e) => Err(EngineError::Unavailable(e)),
                Ok(_) if token.as_ref().is_some_and(CancelToken::is_cancelled) => {
                    Err(EngineError::Cancelled)
                }
                Ok(e) => Ok(f(e)),
            };
            // Done before the caller hears back, so `waiting` never counts a finished request.
            waiting.fetch_sub(1, Ordering::SeqCst);
            let _ = reply.send(r);
        });
        self.waiting.fetch_add(1, Ordering::SeqCst);
        match self.tx.try_send(work) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let n = self.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
                return Err(EngineError::Busy(n));
            }
            Err(TrySendError::Disconnected(_)) => {
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                return Err(EngineError::Unavailable("the engine thread stopped".into()));
            }
        }
        answer.recv().unwrap_or_else(|_| {
            Err(EngineError::Unavailable(
                "the model request failed inside the engine (it panicked); the model is reloaded"
                    .into(),
            ))
        })
    }

    /// Generate a completion for `req` (see [`Engine::generate`]); `cancel` stops it at the next
    /// forward pass. On the inference server first when one is configured (its answer checked
    /// against the JSON Schema), else — or when it fails — on the local model.
    pub fn generate(
        &self,
        req: GenerationRequest,
        cancel: Option<&CancelToken>,
    ) -> Result<Completion, EngineError> {
        if let Some(r) = &self.remote {
            if r.breaker.allow() {
                match r.generate(&req) {
                    Ok(c) => {
                        r.breaker.success();
                        r.served.fetch_add(1, Ordering::Relaxed);
                        return Ok(c);
                    }
                    Err(e) => {
                        tracing::debug!(server = r.url(), error = %e, "generation on the server failed; the local model answers");
                        r.breaker.failure(&e);
                    }
                }
            }
            r.fell_back.fetch_add(1, Ordering::Relaxed);
        }
        let token = cancel.cloned();
        self.run(cancel, move |e| {
            e.generate_cancellable(&req, token.as_ref())
        })?
        .map_err(EngineError::from)
    }

    /// [`EngineHandle::generate`] with the text handed to `on_text` as it is generated (see
    /// [`Engine::generate_streaming`]); `on_text` runs on the engine thread.
    pub fn generate_streaming(
        &self,
        req: GenerationRequest,
        cancel: Option<&CancelToken>,
        mut on_text: Box<dyn FnMut(&str) + Send>,
    ) -> Result<Completion, EngineError> {
        let token = cancel.cloned();
        self.run(cancel, move |e| {
            e.generate_streaming(&req, token.as_ref(), Some(&mut *on_text))
        })?
        .map_err(EngineError::from)
    }

    /// Score `options` as the answer to `messages` (see [`Engine::score_options`]): on the
    /// inference server when one is configured and its breaker lets the call through, else (or
    /// when the server fails) on the local model.
    pub fn score(
        &self,
        messages: Vec<Message>,
        options: Vec<String>,
    ) -> Result<ScoredOptions, EngineError> {
        if let Some(r) = &self.remote {
            if r.breaker.allow() {
                match r.score(&messages, &options) {
                    Ok(s) => {
                        r.breaker.success();
                        r.served.fetch_add(1, Ordering::Relaxed);
                        return Ok(s);
                    }
                    Err(e) => {
                        tracing::debug!(server = r.url(), error = %e, "option scoring on the server failed; the local model answers");
                        r.breaker.failure(&e);
                    }
                }
            }
            r.fell_back.fetch_add(1, Ordering::Relaxed);
        }
        self.run(None, move |e| e.score_options(&messages, &options, None))?
            .map_err(EngineError::from)
    }

    /// The inference server's client, when one is configured.
    pub fn remote(&self) -> Option<&super::remote::RemoteEngine> {
        self.remote.as_deref()
    }

    /// Tokens `messages` take as a prompt.
    pub fn count_prompt_tokens(&self, messages: Vec<Message>) -> Result<usize, EngineError> {
        self.run(None, move |e| e.count_prompt_tokens(&messages))?
            .map_err(EngineError::from)
    }

    /// The loaded model's facts, loading it if needed.
    pub fn info(&self) -> Result<ModelInfo, EngineError> {
        if let Some(i) = self.info.get() {
            return Ok(i.clone());
        }
        self.run(None, |_| ())?;
        self.info
            .get()
            .cloned()
            .ok_or_else(|| EngineError::Unavailable("the model did not load".into()))
    }

    /// The model's facts if it is loaded already (never loads it).
    pub fn loaded_info(&self) -> Option<ModelInfo> {
        self.info.get().cloned()
    }
}

fn engine_thread(
    s: ModelSettings,
    rx: mpsc::Receiver<Work>,
    info: Arc<OnceLock<ModelInfo>>,
    waiting: Arc<AtomicUsize>,
) {
    // A failed load is retried on the next request (the user may have installed the model since).
    let engine: Mutex<Option<Engine>> = Mutex::new(None);
    while let Ok(work) = rx.recv() {
        let mut slot = engine.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let t0 = Instant::now();
            match Engine::load(
                &s.ort_library,
                &s.model_dir,
                s.execution_provider,
                s.intra_threads,
            ) {
                Ok(e) => {
                    let _ = info.set(ModelInfo {
                        name: e.name().to_string(),
                        context_length: e.context_length(),
                        load_seconds: t0.elapsed().as_secs_f64(),
                    });
                    tracing::info!(model = e.name(), "model loaded");
                    let mut e = e;
                    e.set_prefix_cache_bytes(s.prefix_cache_bytes);
                    e.set_prompt_lookup(s.prompt_lookup);
                    e.set_score_batch_bytes(s.score_batch_bytes);
                    if let Some((dir, bytes)) = &s.prefix_store {
                        if let Err(err) = e.set_prefix_store(dir, *bytes) {
                            tracing::warn!("prefix KV stays in memory only: {err:#}");
                        }
                    }
                    *slot = Some(e);
                }
                Err(e) => {
                    work(Err(format!("{e:#}")));
                    continue;
                }
            }
        }
        let e = slot.as_mut().expect("loaded above");
        // A panic inside a request must not kill the engine for everyone else.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(Ok(e))));
        if run.is_err() {
            tracing::error!("a model request panicked; the engine is reloaded on the next one");
            waiting.fetch_sub(1, Ordering::SeqCst);
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_is_unavailable_and_the_thread_keeps_serving() {
        let h = EngineHandle::spawn(
            ModelSettings {
                ort_library: "/nonexistent/libonnxruntime.so".into(),
                model_dir: "/nonexistent/model".into(),
                execution_provider: ExecutionProvider::Cpu,
                intra_threads: 1,
                prefix_cache_bytes: 0,
                prefix_store: None,
                prompt_lookup: false,
                score_batch_bytes: 0,
                remote: None,
            },
            4,
        );
        for _ in 0..2 {
            match h.info() {
                Err(EngineError::Unavailable(m)) => {
                    assert!(m.contains("model folder not found"), "{m}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(h.waiting(), 0);
    }
}
