//! CII / UBL parsing of arbitrary bytes: an error or `None`, never a panic, and any invoice it
//! returns validates against the extracted-document schema (checked inside `parse`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zopilot_fuzz::extract::einvoice::parse(data);
});
