//! Windows: values under `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` (what
//! installer/windows/install.ps1 writes), set with `reg.exe`.

use std::process::ExitCode;

use anyhow::Result;

use super::support::{sh, Binaries};
use crate::config::Config;

const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";

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

pub fn install(cfg: &Config) -> Result<ExitCode> {
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

pub fn uninstall() -> Result<ExitCode> {
    for name in ["Zopilot", "ZopilotTray"] {
        if sh("reg", &["delete", RUN_KEY, "/v", name, "/f"]).is_ok() {
            println!("removed {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn status() -> Result<ExitCode> {
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
    use crate::cli::service::support::sample_bins as bins;

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
