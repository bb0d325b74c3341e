//! What the daemon (`zopilot`) and the tray (`zopilot-tray`) share, and nothing else: the
//! [`config`] (file, environment, flags, the folders it names), the API key's [`key_store`]
//! (OS keyring or a private file), a blocking [`client`] of the daemon's localhost API,
//! [`private_file`] (0600 writes) and [`logging`]. No model runtime, no HTTP server, no database:
//! the tray links only this.

pub mod client;
pub mod config;
pub mod key_store;
pub mod logging;
pub mod private_file;

/// File name of the ONNX Runtime shared library the daemon loads (from the PyPI
/// `onnxruntime==1.31.1` wheel).
pub const ORT_LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";
