//! Import a GGUF: `cargo run -p zopilot-models --example import -- FILE.gguf OUT_DIR`.
fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let r = zopilot_models::import::import(
        a[1].as_ref(),
        a[2].as_ref(),
        &zopilot_models::decoder::GraphOptions::default(),
        &mut |d, t| eprint!("\r{d}/{t}"),
    )?;
    eprintln!();
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}
