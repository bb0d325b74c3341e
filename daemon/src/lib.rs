//! Zopilot Local: a local daemon that turns dropped invoices and receipts into accounting actions.
//!
//! The path a document travels, module by module: [`watch`] → [`store`] (the queue) →
//! [`extract`] → [`pipeline`] (with the business's [`books`]) (fields → Stage 0 → direction → Stage 1 → Stage 2 → result) →
//! [`worker`] (stores the verdict, moves the original) → [`store`]. [`llm`] sits below the
//! pipeline; [`api`] and [`cli`] sit on top, with [`daemon`] assembling the running process.
//! Imports only point down; `tests/architecture.rs` checks it. See ARCHITECTURE.md.

pub mod api;
pub mod books;
pub mod cli;
pub mod content;
pub mod daemon;
pub mod extract;
pub mod failure;
pub mod instance;
pub mod llm;
pub mod no_follow;
pub mod onnx_runtime;
pub mod os_path;
pub mod pipeline;
pub mod process_memory;
pub mod schemas;
pub mod store;
pub mod watch;
pub mod worker;

pub use zopilot_common::{client, config, key_store, logging, private_file, ORT_LIBRARY_FILE};
