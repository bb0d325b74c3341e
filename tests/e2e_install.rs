//! Installing on a machine: `zopilot doctor` before and after set-up, `zopilot service
//! install|status|uninstall` (systemd user unit + XDG autostart entry, checked with
//! `systemd-analyze --user verify`), and the `.deb` built by `cargo deb`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{daemon, desktop, profile, Env};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `zopilot` on a machine where nothing was set up: an empty home, no configuration.
fn fresh(env: &Env) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zopilot"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.path("home"))
        .env("XDG_CONFIG_HOME", env.path("home/.config"))
        .env("XDG_DATA_HOME", env.path("home/.local/share"))
        .env(
            "ZOPILOT_LISTEN",
            format!("127.0.0.1:{}", daemon::free_port()),
        );
    c
}

/// The names of the checks `doctor` printed with the given tag (`ok`, `warn`, `FAIL`), and
/// whether every problem came with a fix line.
fn doctor_lines(out: &str, tag: &str) -> BTreeSet<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix(tag))
        .map(|rest| {
            // "<name padded to 16> <detail>"; names have at most two words.
            let rest = rest.trim_start();
            rest[..16.min(rest.len())].trim().to_string()
        })
        .collect()
}

#[test]
fn doctor_lists_exactly_what_a_fresh_machine_lacks() {
    let env = Env::new();
    let out = fresh(&env).arg("doctor").output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let failed = doctor_lines(&t, "FAIL");
    let expected: BTreeSet<String> = [
        "business profile",
        "ONNX Runtime",
        "PDFium",
        "OCR models",
        "model",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(failed, expected, "{t}");
    // Every failure says how to fix it.
    let fixes = t
        .lines()
        .filter(|l| l.trim_start().starts_with("fix:"))
        .count();
    assert!(fixes >= failed.len(), "{t}");
    assert!(t.contains("installer/setup.sh"), "{t}");
    assert!(t.contains("zopilot models pull"), "{t}");
    // Not missing on a fresh machine: data folder, drop folder (created at start), port.
    let ok = doctor_lines(&t, "ok");
    for name in ["data folder", "drop folder", "port"] {
        assert!(ok.contains(name), "{name} should be ok: {t}");
    }
    assert!(t.contains("5 problem(s) to fix"), "{t}");
}

#[test]
fn doctor_is_all_green_after_set_up() {
    // What installer/setup.sh installed (libraries, OCR models, default model in the data
    // folder it fills) plus a business profile, inside a desktop session with a keyring.
    let lib = support::ort_library();
    let data_home = lib.ancestors().nth(3).unwrap().to_path_buf(); // <XDG_DATA_HOME>/zopilot/lib/x
    let env = Env::new();
    let mut base = fresh(&env);
    base.env("XDG_DATA_HOME", &data_home)
        .env("ZOPILOT_BUSINESS_PROFILE", profile("taylors-store.toml"))
        .env("ZOPILOT_WATCH_DRIVE", "false");
    let out_file = env.path("doctor.txt");
    let script = format!("\"$ZOPILOT\" doctor > \"{}\" 2>&1", out_file.display());
    let r = desktop::in_keyring_session(&base, &env.path("home"), &script)
        .env("XDG_DATA_HOME", &data_home)
        .output()
        .unwrap();
    let t = std::fs::read_to_string(&out_file).unwrap_or_else(|_| text(&r));
    assert!(r.status.success(), "{t}");
    assert!(t.contains("all checks passed"), "{t}");
    assert!(
        doctor_lines(&t, "FAIL").is_empty() && doctor_lines(&t, "warn").is_empty(),
        "{t}"
    );
    for name in [
        "ONNX Runtime",
        "PDFium",
        "OCR models",
        "model",
        "keyring",
        "port",
    ] {
        assert!(doctor_lines(&t, "ok").contains(name), "{name}: {t}");
    }
}

#[test]
fn doctor_sees_a_running_daemon_and_a_taken_port() {
    let env = Env::new();
    let d = daemon::start_with(&env, &[("ZOPILOT_PIPELINE", "checksum")]);
    let port = d.base.rsplit(':').next().unwrap().to_string();
    let out = fresh(&env)
        .env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"))
        .arg("doctor")
        .output()
        .unwrap();
    assert!(
        text(&out).contains("the daemon is running"),
        "{}",
        text(&out)
    );
    drop(d);
    // Another program on the port.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = other.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in other.incoming().flatten() {
            use std::io::Write;
            let mut s = s;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi");
        }
    });
    let out = fresh(&env)
        .env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"))
        .arg("doctor")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(doctor_lines(&t, "FAIL").contains("port"), "{t}");
    assert!(t.contains("not as zopilot"), "{t}");
}

fn verify_unit(unit: &Path) {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze not available: unit not verified");
        return;
    }
    let run = tempfile::tempdir().unwrap();
    let out = Command::new("systemd-analyze")
        .env("XDG_RUNTIME_DIR", run.path())
        .args(["--user", "verify"])
        .arg(unit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "warnings: {}", text(&out));
}

#[test]
fn service_install_writes_a_valid_user_unit_and_autostart_entry() {
    let env = Env::new();
    let cfg_home = env.path("home/.config");
    let run = |args: &[&str]| {
        fresh(&env)
            .env("PATH", "/nonexistent") // no systemctl: a machine without a user manager
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["service", "install"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("starts at your next login"), "{t}");
    let unit = cfg_home.join("systemd/user/zopilot.service");
    let body = std::fs::read_to_string(&unit).unwrap();
    let exe = env!("CARGO_BIN_EXE_zopilot");
    assert!(body.contains(&format!("ExecStart={exe} serve\n")), "{body}");
    assert!(body.contains("WantedBy=default.target"));
    let link = cfg_home.join("systemd/user/default.target.wants/zopilot.service");
    assert_eq!(std::fs::read_link(&link).unwrap(), unit);
    let desktop = std::fs::read_to_string(cfg_home.join("autostart/zopilot-tray.desktop")).unwrap();
    let tray = PathBuf::from(exe).with_file_name("zopilot-tray");
    assert!(
        desktop.contains(&format!("Exec={}\n", tray.display())),
        "{desktop}"
    );
    verify_unit(&unit);

    let out = run(&["service", "status"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("installed") && t.contains("enabled    yes") && t.contains("starts at login"),
        "{t}"
    );

    let out = run(&["service", "uninstall"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!unit.exists() && !link.exists());
    assert!(!cfg_home.join("autostart/zopilot-tray.desktop").exists());
    let out = run(&["service", "status"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

/// The target profile folder the test binary was built in (`release` under `cargo test --release`).
fn profile_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zopilot"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn the_deb_holds_both_binaries_the_user_unit_and_the_autostart_entry() {
    let have_cargo_deb = Command::new("cargo")
        .args(["deb", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        have_cargo_deb,
        "cargo-deb missing: cargo install cargo-deb --locked"
    );
    let dir = profile_dir();
    assert!(
        dir.join("zopilot-tray").is_file(),
        "build the tray first (cargo build --release --workspace)"
    );
    let profile = dir.file_name().unwrap().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("cargo");
    cmd.current_dir(support::repo_root())
        .args(["deb", "-p", "zopilot", "--no-build", "--no-strip", "-o"])
        .arg(out_dir.path())
        .env("CARGO_TARGET_DIR", dir.parent().unwrap());
    if profile != "release" {
        cmd.args([
            "--profile",
            if profile == "debug" { "dev" } else { profile },
        ]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let deb = std::fs::read_dir(out_dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("a .deb");
    let listing = Command::new("dpkg").arg("-c").arg(&deb).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).to_string();
    for path in [
        "./usr/bin/zopilot",
        "./usr/bin/zopilot-tray",
        "./usr/lib/systemd/user/zopilot.service",
        "./etc/xdg/autostart/zopilot-tray.desktop",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(path)),
            "{path} not in the package:\n{listing}"
        );
    }
    // The maintainer script enables the user unit for every user.
    let ctl = tempfile::tempdir().unwrap();
    assert!(Command::new("dpkg-deb")
        .arg("-e")
        .arg(&deb)
        .arg(ctl.path())
        .status()
        .unwrap()
        .success());
    let postinst = std::fs::read_to_string(ctl.path().join("postinst")).unwrap();
    assert!(
        postinst.contains("systemctl --global enable zopilot.service"),
        "{postinst}"
    );
    // The packaged unit is valid where its binary is installed.
    let root = tempfile::tempdir().unwrap();
    assert!(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .unwrap()
        .success());
    let unit =
        std::fs::read_to_string(root.path().join("usr/lib/systemd/user/zopilot.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/zopilot serve"), "{unit}");
    let local = root.path().join("zopilot.service");
    std::fs::write(
        &local,
        unit.replace(
            "/usr/bin/zopilot",
            &root.path().join("usr/bin/zopilot").display().to_string(),
        ),
    )
    .unwrap();
    verify_unit(&local);
}
