//! `zopilot`: the Zopilot Local daemon and its command line.

fn main() -> std::process::ExitCode {
    zopilot::cli::main()
}
