//! The rule reading and the candidates it proposes, on arbitrary text: never a panic, whatever
//! the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for country in [None, Some("US"), Some("FR")] {
        let reading = zopilot_fuzz::extract::read::read(&text, &[], country);
        let _ = zopilot_fuzz::extract::read::candidates::propose(&text, &reading);
    }
});
