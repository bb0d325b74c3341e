//! Print a GGUF file's metadata (arrays summarised) and tensor directory.
fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).expect("usage: gguf_dump FILE.gguf");
    let g = zopilot_models::gguf::Gguf::open(path.as_ref())?;
    let mut keys: Vec<_> = g.metadata().keys().cloned().collect();
    keys.sort();
    for k in keys {
        let v = &g.metadata()[&k];
        let s = match v {
            candle_core::quantized::gguf_file::Value::Array(a) => format!(
                "[{} items] {:?}",
                a.len(),
                a.iter().take(5).collect::<Vec<_>>()
            ),
            other => format!("{other:?}").chars().take(300).collect(),
        };
        println!("{k} = {s}");
    }
    for (n, t, s) in g.tensors().into_iter().take(20) {
        println!("{n} {t} {s:?}");
    }
    Ok(())
}
