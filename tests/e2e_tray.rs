//! The tray, headless: Xvfb as the display, `trayer` as the tray host, the daemon and
//! `zopilot-tray` sharing a real Secret Service (the tray reads the key the daemon stored), the
//! menu opened and clicked with `xdotool`, screenshots with ImageMagick `import` kept as test
//! artifacts in `<target>/tmp/artifacts/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::desktop::{require, KeyringSession};
use support::{daemon, Env};

/// A child killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An X display number nobody uses.
fn free_display() -> u32 {
    (90..400)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .expect("a free X display")
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `(x, y, width, height)` in root coordinates of the first mapped window whose
/// `xwininfo -tree` line satisfies `pick`.
fn window(display: &str, pick: impl Fn(&str) -> bool) -> Option<(i32, i32, i32, i32)> {
    let out = Command::new("xwininfo")
        .env("DISPLAY", display)
        .args(["-root", "-tree"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .filter(|l| pick(l))
        .filter(|l| viewable(display, l.split_whitespace().next().unwrap_or("")))
        .find_map(geometry)
}

/// "0x400007 \"name\": (…)  32x30+0+0  +767+1" → (767, 1, 32, 30).
fn geometry(line: &str) -> Option<(i32, i32, i32, i32)> {
    let mut words = line.split_whitespace().rev();
    let abs = words.next()?;
    let (size, _) = words.next()?.split_once('+')?;
    let (w, h) = size.split_once('x')?;
    let mut xy = abs.trim_start_matches('+').splitn(2, '+');
    Some((
        xy.next()?.parse().ok()?,
        xy.next()?.parse().ok()?,
        w.parse().ok()?,
        h.parse().ok()?,
    ))
}

/// Whether window `a` lies within window `b` (both `(x, y, width, height)`, root coordinates).
fn inside(a: (i32, i32, i32, i32), b: (i32, i32, i32, i32)) -> bool {
    a.0 >= b.0 && a.1 >= b.1 && a.0 + a.2 <= b.0 + b.2 && a.1 + a.3 <= b.1 + b.3
}

fn viewable(display: &str, id: &str) -> bool {
    Command::new("xwininfo")
        .env("DISPLAY", display)
        .args(["-id", id])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("Map State: IsViewable"))
        .unwrap_or(false)
}

fn pixel(display: &str, x: i32, y: i32) -> String {
    let out = Command::new("import")
        .env("DISPLAY", display)
        .args([
            "-window",
            "root",
            "-crop",
            &format!("1x1+{x}+{y}"),
            "-depth",
            "8",
            "txt:-",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split_whitespace()
        .find(|w| w.starts_with('#') && w.len() == 7)
        .unwrap_or("")
        .to_uppercase()
}

fn click(display: &str, x: i32, y: i32) {
    let st = Command::new("xdotool")
        .env("DISPLAY", display)
        .args(["mousemove", &x.to_string(), &y.to_string(), "click", "1"])
        .status()
        .unwrap();
    assert!(st.success());
}

fn screenshot(display: &str, path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let st = Command::new("import")
        .env("DISPLAY", display)
        .args(["-window", "root"])
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success() && path.metadata().unwrap().len() > 1000);
    eprintln!("screenshot: {}", path.display());
}

fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("artifacts")
}

/// The Xvfb screen, pixels; trayer docks at its top right corner.
const SCREEN: (i32, i32) = (800, 600);

const IDLE: &str = "#2E9D48";
const PAUSED: &str = "#E0A000";

/// The menu's rows, top to bottom, as fractions of its height (Adwaita metrics: eight items of
/// ~25 px and three separators): status, counts | Pause, Resume | drop, results, logs | Quit.
const PAUSE_ROW: f32 = 0.3175;
const RESUME_ROW: f32 = 0.436;
const QUIT_ROW: f32 = 0.919;

#[test]
fn the_tray_shows_the_state_and_pauses_the_daemon() {
    require(&["Xvfb", "trayer", "xdotool", "import", "xwininfo"]);
    let tray_bin = PathBuf::from(env!("CARGO_BIN_EXE_zopilot")).with_file_name("zopilot-tray");
    assert!(
        tray_bin.is_file(),
        "{} missing: build the workspace (cargo test --workspace)",
        tray_bin.display()
    );
    let env = Env::new();
    let n = free_display();
    let display = format!(":{n}");
    let _x = Proc(
        Command::new("Xvfb")
            .args([
                &display,
                "-screen",
                "0",
                &format!("{}x{}x24", SCREEN.0, SCREEN.1),
                "-nolisten",
                "tcp",
                // Without it the server resets when its last client leaves (the probe
                // below), and a client that connects during the reset is refused: CI saw
                // trayer exit with "cannot open display" right after the probe succeeded.
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The socket appears before the server answers; a client started in between fails to
    // connect and exits, so wait until one can query the root window.
    wait_for("Xvfb", Duration::from_secs(20), || {
        Command::new("xwininfo")
            .env("DISPLAY", &display)
            .arg("-root")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            .then_some(())
    });
    let trayer_log = std::fs::File::create(env.path("trayer.log")).unwrap();
    let mut trayer = Proc(
        Command::new("trayer")
            .env("DISPLAY", &display)
            .args([
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "120",
                "--heighttype",
                "pixel",
                "--height",
                "32",
                "--transparent",
                "false",
                "--tint",
                "0xdddddd",
                "--SetDockType",
                "true",
            ])
            .stdout(Stdio::null())
            .stderr(trayer_log)
            .spawn()
            .unwrap(),
    );
    let is_panel = |l: &str| l.contains("\"panel\": (\"panel\" \"trayer\")");
    wait_for("trayer", Duration::from_secs(20), || {
        if let Some(code) = trayer.0.try_wait().unwrap() {
            panic!(
                "trayer exited ({code}): {}",
                std::fs::read_to_string(env.path("trayer.log")).unwrap_or_default()
            );
        }
        window(&display, is_panel)
    });

    // The daemon stores its key in the Secret Service; the tray must find it there.
    let session = KeyringSession::start(&env.path("home"));
    let home = env.path("home").display().to_string();
    let run = env.path("home/run").display().to_string();
    let d = daemon::start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            ("DBUS_SESSION_BUS_ADDRESS", &session.address),
            ("HOME", &home),
            ("XDG_RUNTIME_DIR", &run),
        ],
    );
    assert!(
        d.key.is_empty(),
        "the key went to the keyring, not to a file"
    );
    let port = d.base.rsplit(':').next().unwrap().to_string();

    let mut tray_cmd = env.command(&support::profile("taylors-store.toml"));
    tray_cmd.env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"));
    session.apply(&mut tray_cmd);
    let mut key_cmd = env.command(&support::profile("taylors-store.toml"));
    session.apply(&mut key_cmd);
    let key = String::from_utf8(key_cmd.args(["key", "show"]).output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(key.len(), 64);
    let status = |path: &str| -> serde_json::Value {
        ureq::get(&format!("{}{path}", d.base))
            .set("X-API-Key", &key)
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    };

    let tray_log = std::fs::File::create(env.path("tray.log")).unwrap();
    let mut tray = Proc(
        Command::new(&tray_bin)
            .envs(tray_cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .env_remove("ZOPILOT_LOG")
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(tray_log)
            .spawn()
            .unwrap(),
    );
    let tray_log = || std::fs::read_to_string(env.path("tray.log")).unwrap_or_default();

    // The icon is embedded in trayer and turns green once the tray read the key and /status.
    // Its window exists (and may be mapped) before trayer reparents it, and the panel itself
    // starts at (0, 0) before it docks at the right edge, so both are looked up again on every
    // look and the icon's centre is taken only once it lies inside the docked panel.
    let is_icon = |l: &str| l.contains("tray-icon tray app zopilot");
    let icon_centre = || {
        let panel = window(&display, is_panel).filter(|p| p.0 + p.2 == SCREEN.0)?;
        window(&display, is_icon)
            .filter(|&w| inside(w, panel))
            .map(|(x, y, w, h)| (x + w / 2, y + h / 2))
    };
    let mut last = String::from("(no icon inside the panel)");
    let deadline = Instant::now() + Duration::from_secs(30);
    let (cx, cy) = loop {
        if let Some((x, y)) = icon_centre() {
            last = pixel(&display, x, y);
            if last == IDLE {
                break (x, y);
            }
        }
        assert!(
            Instant::now() < deadline,
            "the icon stayed {last} instead of idle green (panel {:?}, icon {:?}); \
             tray log:\n{}",
            window(&display, is_panel),
            window(&display, is_icon),
            tray_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };

    // Open the menu; keep a screenshot of it.
    click(&display, cx, cy);
    let is_menu =
        |l: &str| l.contains("(\"zopilot-tray\" \"Zopilot-tray\")") && !l.contains(" 10x10+");
    let (mx, my, mw, mh) = wait_for("the menu", Duration::from_secs(10), || {
        window(&display, is_menu)
    });
    std::thread::sleep(Duration::from_millis(500));
    screenshot(&display, &artifacts().join("tray-menu.png"));

    // Click "Pause processing": the daemon is paused, and the icon says so.
    let row = |f: f32| my + (mh as f32 * f) as i32;
    click(&display, mx + mw / 3, row(PAUSE_ROW));
    wait_for("the daemon to pause", Duration::from_secs(10), || {
        (status("/status")["paused"] == true).then_some(())
    });
    wait_for("the paused (amber) icon", Duration::from_secs(10), || {
        (pixel(&display, cx, cy) == PAUSED).then_some(())
    });

    // Reopen: Resume is enabled now; a click resumes.
    wait_for("the menu to close", Duration::from_secs(10), || {
        window(&display, is_menu).is_none().then_some(())
    });
    click(&display, cx, cy);
    let (_, my2, _, mh2) = wait_for("the menu", Duration::from_secs(10), || {
        window(&display, is_menu)
    });
    std::thread::sleep(Duration::from_millis(500));
    screenshot(&display, &artifacts().join("tray-menu-paused.png"));
    click(
        &display,
        mx + mw / 3,
        my2 + (mh2 as f32 * RESUME_ROW) as i32,
    );
    wait_for("the daemon to resume", Duration::from_secs(10), || {
        (status("/status")["paused"] == false).then_some(())
    });
    wait_for("the idle icon again", Duration::from_secs(10), || {
        (pixel(&display, cx, cy) == IDLE).then_some(())
    });

    // Stopping the daemon greys the icon (unreachable), without the tray exiting.
    d.stop();
    wait_for("the unreachable icon", Duration::from_secs(15), || {
        (pixel(&display, cx, cy) != IDLE && pixel(&display, cx, cy) != PAUSED).then_some(())
    });
    assert!(tray.0.try_wait().unwrap().is_none(), "{}", tray_log());

    // Quit from the menu ends the tray process cleanly.
    wait_for("the menu to close", Duration::from_secs(10), || {
        window(&display, is_menu).is_none().then_some(())
    });
    click(&display, cx, cy);
    let (_, my3, _, mh3) = wait_for("the menu", Duration::from_secs(10), || {
        window(&display, is_menu)
    });
    std::thread::sleep(Duration::from_millis(300));
    click(&display, mx + mw / 3, my3 + (mh3 as f32 * QUIT_ROW) as i32);
    let code = wait_for("the tray to quit", Duration::from_secs(10), || {
        tray.0.try_wait().unwrap()
    });
    assert!(code.success(), "{}", tray_log());
    assert!(!tray_log().contains(&key), "the tray never logs the key");
}
