//! Linux: the systemd user unit and the tray's XDG autostart entry
//! (<https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html>,
//! <https://specifications.freedesktop.org/autostart-spec/latest/>).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::support::{sh, write, Binaries};
use crate::config::Config;

const UNIT: &str = include_str!("../../../../installer/linux/zopilot.service");
const TRAY_DESKTOP: &str = include_str!("../../../../installer/linux/zopilot-tray.desktop");

/// The systemd unit's name.
pub const UNIT_NAME: &str = "zopilot.service";

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

pub fn install(cfg: &Config) -> Result<ExitCode> {
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

pub fn uninstall() -> Result<ExitCode> {
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

pub fn status(cfg: &Config) -> Result<ExitCode> {
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
    let answering = crate::client::Client::new(cfg.listen)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::service::support::sample_bins as bins;

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
}
