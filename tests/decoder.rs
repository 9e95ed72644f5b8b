//! The scanner's frame decoder compiled to wasm32 and run in headless Chromium: a real ticket QR
//! in a 640x480 frame decodes through exactly the pipeline the scanner uses, and the time per
//! frame is printed (the benchmark's browser figure comes from the same code path).
#![cfg(target_arch = "wasm32")]

use ingia_core::rotating::current_code;
use ingia_core::sample::{sample_event, SAMPLE_DOORS};
use ingia_core::UnixMillis;
use ingia_decoder::{FrameDecoder, Luma, FRAMES_PER_CYCLE};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const W: usize = 640;
const H: usize = 480;

/// A frame as a phone camera gives it at a gate: the code at 4 px per module, dim and noisy.
fn camera_frame(text: &str, inverted: bool) -> Vec<u8> {
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    let n = qr.width();
    let colors = qr.to_colors();
    let (dark, light) = if inverted { (200u8, 40u8) } else { (50u8, 180u8) };
    let mut px = vec![light; W * H];
    let (m, x0, y0) = (4, 180, 100);
    for y in 0..n * m {
        for x in 0..n * m {
            if colors[(y / m) * n + x / m] == qrcode::Color::Dark {
                px[(y0 + y) * W + x0 + x] = dark;
            }
        }
    }
    let mut s = 12345u32;
    for p in px.iter_mut() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *p = (*p as i32 + (s % 31) as i32 - 15).clamp(0, 255) as u8;
    }
    px
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
fn ticket_frames_decode_in_the_browser() {
    let ev = sample_event(4, 2);
    let t = &ev.issued[0];
    let text = t
        .credential
        .with_code(current_code(&t.entry.code_secret, UnixMillis::from_secs(SAMPLE_DOORS as u64), 30))
        .to_text();
    for inverted in [false, true] {
        let px = camera_frame(&text, inverted);
        let mut times = Vec::new();
        for _ in 0..5 {
            let mut d = FrameDecoder::new();
            let start = now_ms();
            let got = (0..FRAMES_PER_CYCLE).find_map(|_| d.decode(Luma { width: W, height: H, pixels: &px }));
            times.push(now_ms() - start);
            assert_eq!(got.map(|g| g.text), Some(text.clone()), "inverted: {inverted}");
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let build = if cfg!(debug_assertions) { "debug" } else { "release" };
        console_log!(
            "640x480 ticket frame (inverted: {inverted}): read in {:.1} ms, median of 5 ({build} build)",
            times[2]
        );
    }
    // An empty frame: nothing, and no panic.
    let empty = vec![128u8; W * H];
    assert_eq!(FrameDecoder::new().decode(Luma { width: W, height: H, pixels: &empty }), None);
}
