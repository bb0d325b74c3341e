//! macOS: LaunchAgents in `~/Library/LaunchAgents`, loaded with `launchctl bootstrap gui/<uid>`
//! (<https://developer.apple.com/library/archive/documentation/MacOSX/Conceptual/BPSystemStartup/Chapters/CreatingLaunchdJobs.html>).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::support::{sh, write, Binaries};
use crate::config::Config;

const DAEMON_PLIST: &str = include_str!("../../../../installer/macos/com.zopilot.daemon.plist");
const TRAY_PLIST: &str = include_str!("../../../../installer/macos/com.zopilot.tray.plist");

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

fn launch_agents() -> Result<PathBuf> {
    let home = directories::BaseDirs::new().context("no home folder")?;
    Ok(home.home_dir().join("Library/LaunchAgents"))
}

fn gui_domain() -> Result<String> {
    let uid = sh("id", &["-u"]).map_err(anyhow::Error::msg)?;
    Ok(format!("gui/{uid}"))
}

pub fn install(cfg: &Config) -> Result<ExitCode> {
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

pub fn uninstall() -> Result<ExitCode> {
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

pub fn status() -> Result<ExitCode> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::service::support::sample_bins as bins;

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
}
