//! Model tooling for Zopilot Local: read GGUF files ([`gguf`]) and write the ONNX Runtime GenAI
//! folder layout the daemon runs.
pub mod catalog;
pub mod decoder;
pub mod fetch;
pub mod gguf;
pub mod import;
pub mod onnx;
pub mod quant;
pub mod tokenizer;
