//! The menu and the GUI loop: apply the poller's updates, turn clicks into poller commands.
//!
//! Menu: status line, counts line, Pause / Resume (one enabled at a time), Open drop folder,
//! Open results, Open logs folder, Quit tray.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use anyhow::{Context, Result};
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{TrayIcon, TrayIconBuilder};
use zopilot_common::config::Config;

use crate::poller::{Command, Poller, Update};
use crate::state::{Kind, TrayState};

/// The tray icon and the items whose text or state changes.
pub struct TrayMenu {
    tray: TrayIcon,
    headline: MenuItem,
    counts: MenuItem,
    pause: MenuItem,
    resume: MenuItem,
    drop_folder: PathBuf,
    logs_dir: PathBuf,
    shown: Option<TrayState>,
}

impl TrayMenu {
    /// Build the icon and menu in the "unreachable" state until the first poll answers.
    ///
    /// Errors: no tray host / display (the message comes from the platform).
    pub fn build(cfg: &Config) -> Result<TrayMenu> {
        let headline = MenuItem::with_id("status", "Zopilot: connecting…", false, None);
        let counts = MenuItem::with_id("counts", "", false, None);
        let pause = MenuItem::with_id("pause", "Pause processing", false, None);
        let resume = MenuItem::with_id("resume", "Resume processing", false, None);
        let menu = Menu::new();
        menu.append_items(&[
            &headline,
            &counts,
            &PredefinedMenuItem::separator(),
            &pause,
            &resume,
            &PredefinedMenuItem::separator(),
            &MenuItem::with_id("open_drop", "Open drop folder", true, None),
            &MenuItem::with_id("open_results", "Open results", true, None),
            &MenuItem::with_id("open_logs", "Open logs folder", true, None),
            &PredefinedMenuItem::separator(),
            &MenuItem::with_id("quit", "Quit tray", true, None),
        ])
        .context("building the menu")?;
        let tray = TrayIconBuilder::new()
            .with_id("zopilot")
            .with_title("Zopilot")
            .with_tooltip("Zopilot Local")
            .with_icon(crate::icon::for_kind(Kind::Unreachable))
            .with_menu(Box::new(menu))
            .with_menu_on_left_click(true)
            .build()
            .context("creating the tray icon (is a tray host running?)")?;
        Ok(TrayMenu {
            tray,
            headline,
            counts,
            pause,
            resume,
            drop_folder: cfg.drop_folder.clone(),
            logs_dir: cfg.logs_dir(),
            shown: None,
        })
    }

    /// Show a new state (no-op when nothing changed, so an open menu does not flicker).
    pub fn apply(&mut self, s: TrayState) {
        if self.shown.as_ref() == Some(&s) {
            return;
        }
        if self.shown.as_ref().map(|p| p.kind) != Some(s.kind) {
            let _ = self.tray.set_icon(Some(crate::icon::for_kind(s.kind)));
        }
        self.headline.set_text(format!("Zopilot: {}", s.headline));
        self.counts.set_text(&s.counts);
        let _ = self
            .tray
            .set_tooltip(Some(format!("Zopilot: {} — {}", s.headline, s.counts)));
        self.pause
            .set_enabled(!matches!(s.kind, Kind::Paused | Kind::Unreachable));
        self.resume.set_enabled(s.kind == Kind::Paused);
        if let Some(d) = &s.drop_folder {
            self.drop_folder = PathBuf::from(d);
        }
        if let Some(d) = &s.logs_dir {
            self.logs_dir = PathBuf::from(d);
        }
        self.shown = Some(s);
    }

    /// Show a failed action in the counts line until the next change.
    pub fn notice(&mut self, text: &str) {
        self.counts.set_text(text);
        self.shown = None;
    }

    /// Act on a click; `false` means quit.
    pub fn handle(&mut self, ev: &MenuEvent, poller: &Poller) -> bool {
        match ev.id().0.as_str() {
            "pause" => {
                // Disable both until the daemon confirms, so a double click sends one request.
                self.pause.set_enabled(false);
                poller.send(Command::Pause);
            }
            "resume" => {
                self.resume.set_enabled(false);
                poller.send(Command::Resume);
            }
            "open_results" => poller.send(Command::OpenResults),
            "open_drop" => open_folder(&self.drop_folder),
            "open_logs" => open_folder(&self.logs_dir),
            "quit" => return false,
            _ => {}
        }
        true
    }

    /// Drain what arrived; `false` means quit.
    fn tick(&mut self, poller: &Poller, updates: &Receiver<Update>) -> bool {
        while let Ok(u) = updates.try_recv() {
            match u {
                Update::State(s) => self.apply(s),
                Update::Notice(n) => self.notice(&n),
            }
        }
        while let Ok(ev) = MenuEvent::receiver().try_recv() {
            if !self.handle(&ev, poller) {
                return false;
            }
        }
        true
    }
}

fn open_folder(dir: &std::path::Path) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::warn!(folder = %dir.display(), error = %e, "cannot create the folder");
    }
    if let Err(e) = opener::open(dir) {
        tracing::warn!(folder = %dir.display(), error = %e, "cannot open the folder");
    }
}

/// How often the GUI thread looks at the channels.
const TICK: Duration = Duration::from_millis(100);

/// Run the GTK main loop until Quit (Linux: `tray-icon` needs GTK on the main thread).
#[cfg(target_os = "linux")]
pub fn run_loop(cfg: &Config, poller: Poller, updates: Receiver<Update>) -> Result<()> {
    let mut ui = TrayMenu::build(cfg)?;
    gtk::glib::timeout_add_local(TICK, move || {
        if ui.tick(&poller, &updates) {
            gtk::glib::ControlFlow::Continue
        } else {
            gtk::main_quit();
            gtk::glib::ControlFlow::Break
        }
    });
    gtk::main();
    Ok(())
}

/// Run the platform event loop until Quit (macOS: the main thread's run loop; Windows: the
/// thread's message queue), through `tao`. The icon is built once the loop runs, as macOS
/// requires. (Not exercised by CI, which runs on Linux.)
#[cfg(not(target_os = "linux"))]
pub fn run_loop(cfg: &Config, poller: Poller, updates: Receiver<Update>) -> Result<()> {
    use tao::event::{Event, StartCause};
    use tao::event_loop::{ControlFlow, EventLoopBuilder};
    let cfg = cfg.clone();
    let event_loop = EventLoopBuilder::new().build();
    let mut ui: Option<TrayMenu> = None;
    event_loop.run(move |event, _, control_flow| {
        if let Event::NewEvents(StartCause::Init) = event {
            match TrayMenu::build(&cfg) {
                Ok(m) => ui = Some(m),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    *control_flow = ControlFlow::Exit;
                    return;
                }
            }
        }
        let go_on = ui
            .as_mut()
            .map(|u| u.tick(&poller, &updates))
            .unwrap_or(true);
        *control_flow = if go_on {
            ControlFlow::WaitUntil(std::time::Instant::now() + TICK)
        } else {
            ControlFlow::Exit
        };
    })
}
