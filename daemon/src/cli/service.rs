//! `zopilot service install|uninstall|status`: start the daemon (and the tray) at login, per
//! user — never as a system service, because the daemon must see the user's Drive folder and
//! keyring.
//!
//! - Linux: a systemd user unit (`~/.config/systemd/user/zopilot.service`, enabled through the
//!   `default.target.wants` link `systemctl --user enable` makes, then started) and an XDG
//!   autostart entry for the tray (`~/.config/autostart/zopilot-tray.desktop`,
//!   <https://specifications.freedesktop.org/autostart-spec/latest/>).
//! - macOS: LaunchAgents `com.zopilot.daemon` / `com.zopilot.tray` in `~/Library/LaunchAgents`,
//!   loaded with `launchctl bootstrap gui/<uid>`.
//! - Windows: `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` values (as
//!   installer/windows/install.ps1 writes them).
//!
//! The templates are the files in `installer/`; the program paths in them are rewritten to the
//! running binary's folder, and a non-default `--config` is passed on.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use crate::config::Config;

const UNIT: &str = include_str!("../../../installer/linux/zopilot.service");
const TRAY_DESKTOP: &str = include_str!("../../../installer/linux/zopilot-tray.desktop");
const DAEMON_PLIST: &str = include_str!("../../../installer/macos/com.zopilot.daemon.plist");
const TRAY_PLIST: &str = include_str!("../../../installer/macos/com.zopilot.tray.plist");

/// The systemd unit's name.
pub const UNIT_NAME: &str = "zopilot.service";
const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Start at login (and now): daemon and tray.
    Install,
    /// Stop starting at login, stop the running daemon, remove the entries.
    Uninstall,
    /// Whether the entries are installed, enabled and running.
    Status,
}

/// The binaries the entries start.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub daemon: PathBuf,
    /// `None` when `zopilot-tray` is not beside `zopilot`.
    pub tray: Option<PathBuf>,
    /// `--config` to pass, when not the default config file.
    pub config: Option<PathBuf>,
}

impl Binaries {
    /// The running binary and its sibling `zopilot-tray`.
    pub fn current(cfg: &Config) -> Result<Binaries> {
        let daemon = std::env::current_exe().context("locating the zopilot binary")?;
        let tray = daemon.with_file_name(format!("zopilot-tray{}", std::env::consts::EXE_SUFFIX));
        let config = (cfg.config_file != crate::config::default_config_file())
            .then(|| std::path::absolute(&cfg.config_file).unwrap_or(cfg.config_file.clone()));
        Ok(Binaries {
            daemon,
            tray: tray.is_file().then_some(tray),
            config,
        })
    }
}

/// Quote for a systemd `ExecStart=` / desktop-entry `Exec=` word (double quotes, `\` escapes).
fn quote_exec(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        return s;
    }
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('%', "%%")
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The systemd user unit with `ExecStart` pointing at `bins.daemon`.
pub fn render_unit(bins: &Binaries) -> String {
    let mut exec = quote_exec(&bins.daemon);
    if let Some(c) = &bins.config {
        exec = format!("{exec} --config {}", quote_exec(c));
    }
    UNIT.replace(
        "ExecStart=/usr/bin/zopilot serve",
        &format!("ExecStart={exec} serve"),
    )
}

/// The tray's XDG autostart entry, or `None` without a tray binary.
pub fn render_tray_desktop(bins: &Binaries) -> Option<String> {
    let tray = bins.tray.as_ref()?;
    let mut exec = quote_exec(tray);
    if let Some(c) = &bins.config {
        exec = format!("{exec} --config {}", quote_exec(c));
    }
    Some(TRAY_DESKTOP.replace("Exec=/usr/bin/zopilot-tray", &format!("Exec={exec}")))
}

/// The LaunchAgent plists (daemon, tray) with the program paths rewritten.
pub fn render_plists(bins: &Binaries) -> (String, Option<String>) {
    let config = bins
        .config
        .as_ref()
        .map(|c| {
            format!(
                "<string>--config</string>\n        <string>{}</string>\n        ",
                xml_escape(&c.display().to_string())
            )
        })
        .unwrap_or_default();
    let daemon = DAEMON_PLIST.replace(
        "<string>/usr/local/bin/zopilot</string>\n        <string>serve</string>",
        &format!(
            "<string>{}</string>\n        {config}<string>serve</string>",
            xml_escape(&bins.daemon.display().to_string())
        ),
    );
    let tray = bins.tray.as_ref().map(|t| {
        TRAY_PLIST.replace(
            "<string>/usr/local/bin/zopilot-tray</string>",
            &format!(
                "<string>{}</string>{}",
                xml_escape(&t.display().to_string()),
                bins.config
                    .as_ref()
                    .map(|c| format!(
                        "\n        <string>--config</string>\n        <string>{}</string>",
                        xml_escape(&c.display().to_string())
                    ))
                    .unwrap_or_default()
            ),
        )
    });
    (daemon, tray)
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
fn xdg_config_home() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = directories::BaseDirs::new().context("no home folder")?;
    Ok(home.home_dir().join(".config"))
}

/// The files of a Linux install: unit, enable link target, autostart entry.
pub struct LinuxLayout {
    pub unit: PathBuf,
    pub wants_link: PathBuf,
    pub autostart: PathBuf,
}

impl LinuxLayout {
    pub fn new() -> Result<LinuxLayout> {
        let c = xdg_config_home()?;
        Ok(LinuxLayout {
            unit: c.join("systemd/user").join(UNIT_NAME),
            wants_link: c.join("systemd/user/default.target.wants").join(UNIT_NAME),
            autostart: c.join("autostart/zopilot-tray.desktop"),
        })
    }
}

pub fn run(cfg: &Config, cmd: ServiceCommand) -> Result<ExitCode> {
    if matches!(cmd, ServiceCommand::Install) {
        warn_about_session_settings(cfg);
    }
    match (std::env::consts::OS, cmd) {
        ("linux", ServiceCommand::Install) => linux_install(cfg),
        ("linux", ServiceCommand::Uninstall) => linux_uninstall(),
        ("linux", ServiceCommand::Status) => linux_status(cfg),
        ("macos", ServiceCommand::Install) => macos_install(cfg),
        ("macos", ServiceCommand::Uninstall) => macos_uninstall(),
        ("macos", ServiceCommand::Status) => launchctl_status(),
        ("windows", ServiceCommand::Install) => windows_install(cfg),
        ("windows", ServiceCommand::Uninstall) => windows_uninstall(),
        ("windows", ServiceCommand::Status) => windows_status(),
        (os, _) => bail!(
            "no per-user service support on {os}: run `zopilot serve` from your session's start-up"
        ),
    }
}

/// The service starts with the config file only: say so when this shell's settings would be lost.
fn warn_about_session_settings(cfg: &Config) {
    let env: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("ZOPILOT_") && k != "ZOPILOT_CONFIG")
        .collect();
    if !env.is_empty() {
        println!(
            "note: the service reads only {}; these environment settings are not carried over: {}",
            cfg.config_file.display(),
            env.join(", ")
        );
    }
    if cfg.business_profile.is_none() {
        println!(
            "warning: no business_profile in {}: the daemon will not start until one is set (zopilot doctor)",
            cfg.config_file.display()
        );
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Run a command; `Err(message)` with its stderr when it cannot start or fails.
fn sh(program: &str, args: &[&str]) -> std::result::Result<String, String> {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

fn linux_install(cfg: &Config) -> Result<ExitCode> {
    let bins = Binaries::current(cfg)?;
    let l = LinuxLayout::new()?;
    write(&l.unit, &render_unit(&bins))?;
    // What `systemctl --user enable` does, done directly so that the unit starts at the next
    // login even when no user manager is reachable now (SSH, containers).
    if let Some(d) = l.wants_link.parent() {
        std::fs::create_dir_all(d)?;
    }
    let _ = std::fs::remove_file(&l.wants_link);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&l.unit, &l.wants_link)
        .with_context(|| format!("linking {}", l.wants_link.display()))?;
    println!("enabled: {} starts at login", UNIT_NAME);
    match render_tray_desktop(&bins) {
        Some(text) => write(&l.autostart, &text)?,
        None => println!(
            "warning: no zopilot-tray beside {}; the tray will not start at login",
            bins.daemon.display()
        ),
    }
    match sh("systemctl", &["--user", "daemon-reload"])
        .and_then(|_| sh("systemctl", &["--user", "restart", UNIT_NAME]))
    {
        Ok(_) => println!("started: systemctl --user status {UNIT_NAME}"),
        Err(e) => println!(
            "not started now ({e}); it starts at your next login, or run: systemctl --user start {UNIT_NAME}"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn linux_uninstall() -> Result<ExitCode> {
    let l = LinuxLayout::new()?;
    if let Err(e) = sh("systemctl", &["--user", "disable", "--now", UNIT_NAME]) {
        println!("note: {e}");
    }
    for p in [&l.wants_link, &l.unit, &l.autostart] {
        match std::fs::remove_file(p) {
            Ok(()) => println!("removed {}", p.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", p.display())),
        }
    }
    let _ = sh("systemctl", &["--user", "daemon-reload"]);
    Ok(ExitCode::SUCCESS)
}

fn linux_status(cfg: &Config) -> Result<ExitCode> {
    let l = LinuxLayout::new()?;
    let installed = l.unit.is_file();
    let enabled = l.wants_link.exists();
    println!(
        "unit       {} ({})",
        if installed {
            "installed"
        } else {
            "not installed"
        },
        l.unit.display()
    );
    println!("enabled    {}", if enabled { "yes" } else { "no" });
    println!(
        "tray       {}",
        if l.autostart.is_file() {
            "starts at login"
        } else {
            "no autostart entry"
        }
    );
    let active = sh("systemctl", &["--user", "is-active", UNIT_NAME]);
    println!(
        "systemd    {}",
        match &active {
            Ok(s) => s.clone(),
            Err(e) => e.clone(),
        }
    );
    let answering = crate::api::client::Client::new(cfg.listen)
        .get("/health", None)
        .is_ok();
    println!(
        "daemon     {} at {}",
        if answering {
            "answering"
        } else {
            "not answering"
        },
        cfg.listen
    );
    Ok(if installed && enabled {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn launch_agents() -> Result<PathBuf> {
    let home = directories::BaseDirs::new().context("no home folder")?;
    Ok(home.home_dir().join("Library/LaunchAgents"))
}

fn gui_domain() -> Result<String> {
    let uid = sh("id", &["-u"]).map_err(anyhow::Error::msg)?;
    Ok(format!("gui/{uid}"))
}

fn macos_install(cfg: &Config) -> Result<ExitCode> {
    let bins = Binaries::current(cfg)?;
    let dir = launch_agents()?;
    let (daemon, tray) = render_plists(&bins);
    let domain = gui_domain()?;
    for (label, text) in [
        ("com.zopilot.daemon", Some(daemon)),
        ("com.zopilot.tray", tray),
    ] {
        let Some(text) = text else { continue };
        let path = dir.join(format!("{label}.plist"));
        let _ = sh("launchctl", &["bootout", &format!("{domain}/{label}")]);
        write(&path, &text)?;
        match sh(
            "launchctl",
            &["bootstrap", &domain, &path.display().to_string()],
        ) {
            Ok(_) => println!("loaded {label}"),
            Err(e) => println!("not loaded now ({e}); it loads at your next login"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn macos_uninstall() -> Result<ExitCode> {
    let dir = launch_agents()?;
    let domain = gui_domain()?;
    for label in ["com.zopilot.daemon", "com.zopilot.tray"] {
        let _ = sh("launchctl", &["bootout", &format!("{domain}/{label}")]);
        let path = dir.join(format!("{label}.plist"));
        if std::fs::remove_file(&path).is_ok() {
            println!("removed {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn launchctl_status() -> Result<ExitCode> {
    let domain = gui_domain()?;
    let mut ok = true;
    for label in ["com.zopilot.daemon", "com.zopilot.tray"] {
        let loaded = sh("launchctl", &["print", &format!("{domain}/{label}")]).is_ok();
        ok &= loaded || label.ends_with("tray");
        println!(
            "{label:20} {}",
            if loaded { "loaded" } else { "not loaded" }
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The HKCU Run values `(name, command line)`.
pub fn run_values(bins: &Binaries) -> Vec<(&'static str, String)> {
    let config = bins
        .config
        .as_ref()
        .map(|c| format!(" --config \"{}\"", c.display()))
        .unwrap_or_default();
    let mut v = vec![(
        "Zopilot",
        format!("\"{}\"{config} serve", bins.daemon.display()),
    )];
    if let Some(t) = &bins.tray {
        v.push(("ZopilotTray", format!("\"{}\"{config}", t.display())));
    }
    v
}

fn windows_install(cfg: &Config) -> Result<ExitCode> {
    let bins = Binaries::current(cfg)?;
    for (name, line) in run_values(&bins) {
        sh(
            "reg",
            &[
                "add", RUN_KEY, "/v", name, "/t", "REG_SZ", "/d", &line, "/f",
            ],
        )
        .map_err(anyhow::Error::msg)?;
        println!("{name} starts at logon: {line}");
    }
    println!("start it now from the Start menu, or log off and on");
    Ok(ExitCode::SUCCESS)
}

fn windows_uninstall() -> Result<ExitCode> {
    for name in ["Zopilot", "ZopilotTray"] {
        if sh("reg", &["delete", RUN_KEY, "/v", name, "/f"]).is_ok() {
            println!("removed {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn windows_status() -> Result<ExitCode> {
    let daemon = sh("reg", &["query", RUN_KEY, "/v", "Zopilot"]).is_ok();
    let tray = sh("reg", &["query", RUN_KEY, "/v", "ZopilotTray"]).is_ok();
    println!("daemon at logon  {}", if daemon { "yes" } else { "no" });
    println!("tray at logon    {}", if tray { "yes" } else { "no" });
    Ok(if daemon {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(config: Option<&str>) -> Binaries {
        Binaries {
            daemon: PathBuf::from("/opt/my apps/zopilot"),
            tray: Some(PathBuf::from("/opt/my apps/zopilot-tray")),
            config: config.map(PathBuf::from),
        }
    }

    #[test]
    fn unit_and_autostart_point_at_the_installed_binaries() {
        let unit = render_unit(&bins(Some("/etc/z.toml")));
        assert!(
            unit.contains("ExecStart=\"/opt/my apps/zopilot\" --config /etc/z.toml serve\n"),
            "{unit}"
        );
        assert!(!unit.contains("/usr/bin"));
        let desktop = render_tray_desktop(&bins(None)).unwrap();
        assert!(
            desktop.contains("Exec=\"/opt/my apps/zopilot-tray\"\n"),
            "{desktop}"
        );
        let no_tray = Binaries {
            tray: None,
            ..bins(None)
        };
        assert!(render_tray_desktop(&no_tray).is_none());
    }

    fn plist_bool(doc: &roxmltree::Document, key: &str) -> Option<String> {
        let k = doc
            .descendants()
            .find(|n| n.has_tag_name("key") && n.text() == Some(key))?;
        let v = k.next_siblings().skip(1).find(|n| n.is_element())?;
        Some(v.tag_name().name().to_string())
    }

    #[test]
    fn launch_agents_run_at_load_and_stay_alive() {
        let (daemon, tray) = render_plists(&bins(Some("/Users/a&b/z.toml")));
        let doc = roxmltree::Document::parse_with_options(
            &daemon,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(plist_bool(&doc, "RunAtLoad").as_deref(), Some("true"));
        assert_eq!(plist_bool(&doc, "KeepAlive").as_deref(), Some("true"));
        let args: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("array"))
            .flat_map(|a| {
                a.children()
                    .filter(|n| n.is_element())
                    .filter_map(|n| n.text())
            })
            .collect();
        assert_eq!(
            args,
            [
                "/opt/my apps/zopilot",
                "--config",
                "/Users/a&b/z.toml",
                "serve"
            ]
        );
        let tray = tray.unwrap();
        roxmltree::Document::parse_with_options(
            &tray,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(tray.contains("<string>/opt/my apps/zopilot-tray</string>"));
    }

    #[test]
    fn run_values_quote_paths() {
        let v = run_values(&bins(None));
        assert_eq!(
            v[0],
            ("Zopilot", "\"/opt/my apps/zopilot\" serve".to_string())
        );
        assert_eq!(v[1].0, "ZopilotTray");
    }
}
