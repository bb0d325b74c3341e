//! DOCX and XLSX readers on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zopilot_fuzz::extract::office::docx_text(data);
    let _ = zopilot_fuzz::extract::office::xlsx_text(data);
});
