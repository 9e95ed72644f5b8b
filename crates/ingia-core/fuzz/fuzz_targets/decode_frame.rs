//! `cargo +nightly fuzz run decode_frame`: arbitrary bytes as a greyscale frame (the first two
//! bytes choose its width) through the scanner's whole FrameDecoder pipeline, several frames in a
//! row (its passes rotate). A panic here is a trap in the phone's decoder worker. The ordinary test
//! run has the same goal without libFuzzer: crates/ingia-core/tests/decoder_fuzz.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let width = 21 + usize::from(u16::from_le_bytes([data[0], data[1]]) % 1000);
    let pixels = &data[2..];
    let height = pixels.len() / width;
    let mut decoder = ingia_decoder::FrameDecoder::new();
    for _ in 0..ingia_decoder::FRAMES_PER_CYCLE {
        let _ = decoder.decode(ingia_decoder::Luma { width, height, pixels });
    }
});
