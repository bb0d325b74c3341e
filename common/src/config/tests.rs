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
