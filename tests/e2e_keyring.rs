//! The API key in the real Secret Service (GNOME Keyring in a private D-Bus session), and the
//! reported 0600 file fallback when no bus is reachable.

mod support;

use support::{desktop, profile, Env};

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_string()
}

#[test]
fn key_lives_in_the_secret_service_and_rotates_there() {
    let env = Env::new();
    let out = env.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let base = env.command(&profile("taylors-store.toml"));
    let account = env.path("config/config.toml").display().to_string();

    // 1. No bus: the key goes to the 0600 file, and the command says so.
    let mut no_bus = env.command(&profile("taylors-store.toml"));
    let r = no_bus.args(["key", "show"]).output().unwrap();
    assert!(r.status.success());
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("0600 file"), "{stderr}");
    assert!(
        stderr.contains("no OS keyring") || stderr.contains("did not answer"),
        "{stderr}"
    );
    let file = env.path("config/api_key");
    let file_key = read(&file);
    assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), file_key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // 2. With the Secret Service: the file's key moves in, reads are stable, rotation replaces
    //    it in the keyring, and secret-tool (another Secret Service client) sees the same.
    let script = format!(
        r#"
"$ZOPILOT" key show > "{o}/k1" 2> "{o}/e1"
"$ZOPILOT" key show > "{o}/k2"
secret-tool lookup service zopilot username "{account}" > "{o}/st1"
"$ZOPILOT" key rotate --print > "{o}/k3" 2> "{o}/e3"
"$ZOPILOT" key show > "{o}/k4"
secret-tool lookup service zopilot username "{account}" > "{o}/st2"
ls "{cfg}" > "{o}/files"
"#,
        o = out.display(),
        cfg = env.path("config").display(),
    );
    desktop::require(&["secret-tool"]);
    let r = desktop::in_keyring_session(&base, &env.path("home"), &script)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    let (k1, k2, st1) = (
        read(&out.join("k1")),
        read(&out.join("k2")),
        read(&out.join("st1")),
    );
    assert_eq!(
        k1, file_key,
        "the file's key was moved into the keyring, not replaced"
    );
    assert_eq!(k2, k1);
    assert_eq!(st1, k1, "secret-tool reads the key from the Secret Service");
    let e1 = read(&out.join("e1"));
    assert!(e1.contains("OS keyring"), "{e1}");
    assert!(!e1.contains("0600 file"), "{e1}");
    assert!(
        !file.exists(),
        "the fallback file is removed once the key is in the keyring"
    );

    let (k3, k4, st2) = (
        read(&out.join("k3")),
        read(&out.join("k4")),
        read(&out.join("st2")),
    );
    assert_ne!(k3, k1);
    assert_eq!(k3.len(), 64);
    assert_eq!(k4, k3);
    assert_eq!(st2, k3);
    assert!(read(&out.join("e3")).contains("OS keyring"));
    assert!(
        !read(&out.join("files")).contains("api_key"),
        "rotation wrote no file"
    );
}
