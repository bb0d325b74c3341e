//! Configuration layering and validation.

use super::*;

#[test]
fn flags_override_file_and_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "drop_folder = \"/tmp/in\"\nexecution_provider = \"cuda\"\nlisten = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let cli = Settings {
        drop_folder: Some("/tmp/flag".into()),
        ..Default::default()
    };
    let cfg = Config::load(Some(&file), cli).unwrap();
    assert_eq!(cfg.drop_folder, PathBuf::from("/tmp/flag"));
    assert_eq!(cfg.execution_provider, ExecutionProvider::Cuda);
    assert_eq!(cfg.listen.port(), 9999);
    assert_eq!(cfg.stability_window_ms, 2000);
}

#[test]
fn unknown_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "drop_foldr = \"/tmp/in\"\n").unwrap();
    let err = Config::load(Some(&file), Settings::default()).unwrap_err();
    assert!(format!("{err:#}").contains("drop_foldr"), "{err:#}");
}

#[test]
fn the_engine_table_and_the_flat_keys_name_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "database_url = \"postgres://z:pw@db/zopilot\"\n[engine]\nurl = \"http://gpu:8000\"\nmodel = \"qwen\"\napi_key_env = \"GPU_KEY\"\n",
    )
    .unwrap();
    let cfg = Config::load(Some(&file), Settings::default()).unwrap();
    assert_eq!(cfg.engine_url.as_deref(), Some("http://gpu:8000"));
    assert_eq!(cfg.engine_model.as_deref(), Some("qwen"));
    assert_eq!(cfg.engine_api_key_env.as_deref(), Some("GPU_KEY"));
    assert_eq!(cfg.engine_timeout_seconds, 120);
    assert_eq!(
        cfg.database_url.as_deref(),
        Some("postgres://z:pw@db/zopilot")
    );
    // A flag (or variable) beats the table.
    let cli = Settings {
        engine_url: Some("http://other:9000".into()),
        ..Default::default()
    };
    let cfg = Config::load(Some(&file), cli).unwrap();
    assert_eq!(cfg.engine_url.as_deref(), Some("http://other:9000"));
    assert_eq!(cfg.engine_model.as_deref(), Some("qwen"));
    // Unknown keys in the table are refused like any other.
    std::fs::write(&file, "[engine]\nurll = \"http://gpu:8000\"\n").unwrap();
    assert!(Config::load(Some(&file), Settings::default()).is_err());
}
