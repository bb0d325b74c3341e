//! The LLM runtime: a decoder-only model in the ONNX Runtime GenAI folder layout, run through
//! `ort` with our own prefill/decode loop.
//!
//! Layers, from the bottom: the ONNX Runtime library ([`crate::onnx_runtime`]), [`model_config`]
//! (`genai_config.json`), [`session`] (one forward pass), [`kv_cache`] (with [`prefix_cache`] in memory and
//! [`prefix_store`] on disk), [`tokenizer`] and
//! [`chat_template`] (prompt → ids), [`sampler`] (logits → token), [`constraint`] (JSON Schema →
//! token masks), [`generate`] (a request: prompt, prefill) and [`decode`] (the loop, with
//! [`prompt_lookup`] drafts under greedy decoding) and [`handle`] (one thread owns the engine; the pipeline
//! and the API send it requests through an [`EngineHandle`]); [`text_stream`] hands text out as it
//! is generated and applies stop sequences; [`openai`] is the OpenAI chat-completions format of a
//! request and its answer (used by the API and the batch runner).
//! Nothing here knows about documents, HTTP or SQLite.

pub mod breaker;
pub mod cancel;
pub mod chat_template;
pub mod constraint;
pub mod decode;
pub mod engine;
pub mod error;
pub mod generate;
pub mod handle;
pub mod kv_cache;
pub mod model_config;
pub mod openai;
pub mod prefix_cache;
pub mod prefix_store;
pub mod prompt_lookup;
pub mod remote;
pub mod remote_generate;
pub mod request;
pub mod sampler;
pub mod score;
pub mod session;
pub mod text_stream;
pub mod tokenizer;

pub use cancel::CancelToken;
pub use chat_template::Message;
pub use engine::{Engine, DEFAULT_PREFILL_CHUNK};
pub use error::GenerateError;
pub use generate::Completion;
pub use handle::{EngineError, EngineHandle, ModelInfo, ModelSettings};
pub use request::{FinishReason, GenerationRequest};
pub use sampler::SamplingParams;
pub use score::{OptionScore, ScoredOptions};
