//! Type detection never panics, whatever the bytes and name.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["invoice.pdf", "scan.png", "export.csv", "note.txt", "x"] {
        let _ = zopilot_fuzz::extract::detect(name, data);
    }
});
