//! lopdf parsing and the EmbeddedFiles name-tree / `/AF` walk on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zopilot_fuzz::extract::einvoice::embedded::invoice_xml(data);
});
