//! Zopilot Local: a local daemon that turns dropped invoices and receipts into accounting actions.
//!
//! The path a document travels, module by module: [`watch`] → [`queue`] → [`extract`] →
//! [`pipeline`] (Stage 1 → Stage 2 → result) → [`store`]; [`api`] and [`cli`] only enqueue and read.
//! [`llm`] sits below the pipeline stages. See ARCHITECTURE.md at the repository root.

pub mod api;
pub mod cli;
pub mod config;
pub mod extract;
pub mod llm;
pub mod logging;
pub mod pipeline;
pub mod private_file;
pub mod queue;
pub mod store;
pub mod watch;
pub mod worker;

/// File name of the ONNX Runtime shared library we load (from the PyPI `onnxruntime==1.31.1` wheel).
pub const ORT_LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";
