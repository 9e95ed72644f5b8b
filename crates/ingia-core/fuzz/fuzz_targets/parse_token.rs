//! `cargo +nightly fuzz run parse_token`: the token, QR text, PIN and manifest parsers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ingia_core::fuzzing::exercise_parsers(data);
});
