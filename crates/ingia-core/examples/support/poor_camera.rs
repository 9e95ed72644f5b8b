//! Ticket frames as a budget phone's camera gives them: defocused, shaken (motion blur), dark
//! and noisy, inverted (a wallet through Chrome's forced dark mode), small and far, each over a
//! set of real live-code tickets at varied positions. 480x480: the scan box the page crops.
//! Shared by tests/decode.rs (the floor) and examples/decode_bench.rs (the table, and the same
//! frames for zxing-cpp's reference rate), each with `support/rng.rs` included beside it as `rng`.

pub const SIDE: usize = 480;
/// Frames per condition.
pub const PER_CONDITION: usize = 20;

use super::rng::Rng;

pub struct Frame {
    pub condition: &'static str,
    pub text: String,
    pub pixels: Vec<u8>,
}

/// The ticket QR (as the wallet shows it: EC level M) drawn with `module` px, dark on light.
fn draw(text: &str, module: usize, dark: u8, light: u8, rng: &mut Rng) -> Vec<u8> {
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    let (n, colors) = (qr.width(), qr.to_colors());
    let size = n * module;
    let room = SIDE.saturating_sub(size + 8 * module);
    let (x0, y0) = (4 * module + rng.below(room as u64 + 1) as usize, 4 * module + rng.below(room as u64 + 1) as usize);
    let mut px = vec![light; SIDE * SIDE];
    for y in 0..size {
        for x in 0..size {
            if colors[(y / module) * n + x / module] == qrcode::Color::Dark {
                px[(y0 + y) * SIDE + x0 + x] = dark;
            }
        }
    }
    px
}

/// A separable box blur (`rx` across, `ry` down): defocus when both, motion when one.
fn blur(px: &[u8], rx: usize, ry: usize) -> Vec<u8> {
    let pass = |src: &[u8], r: usize, horizontal: bool| -> Vec<u8> {
        if r == 0 {
            return src.to_vec();
        }
        let mut out = vec![0u8; src.len()];
        for a in 0..SIDE {
            for b in 0..SIDE {
                let (lo, hi) = (b.saturating_sub(r), (b + r).min(SIDE - 1));
                let mut s = 0u32;
                for c in lo..=hi {
                    s += u32::from(if horizontal { src[a * SIDE + c] } else { src[c * SIDE + a] });
                }
                let v = (s / (hi - lo + 1) as u32) as u8;
                if horizontal {
                    out[a * SIDE + b] = v;
                } else {
                    out[b * SIDE + a] = v;
                }
            }
        }
        out
    };
    pass(&pass(px, rx, true), ry, false)
}

fn noisy(px: &mut [u8], sigma: f32, rng: &mut Rng) {
    for p in px.iter_mut() {
        *p = (f32::from(*p) + rng.noise(sigma)).clamp(0.0, 255.0) as u8;
    }
}

/// The conditions, in the table's order.
pub const CONDITIONS: [&str; 6] =
    ["sharp", "defocus blur", "motion blur", "low light + noise", "inverted", "small and far"];

/// Every frame of every condition; `texts` are the tickets' live-code texts. `hard`: the harsher
/// level of each condition (longer shake, darker and noisier, smaller and blurred), where
/// zxing-cpp too misses some.
pub fn frames(texts: &[String], hard: bool) -> Vec<Frame> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (shake, dim_light, dim_noise, far_module) = if hard { (3, 90, 10.0, 3) } else { (2, 95, 8.0, 3) };
    let mut out = Vec::new();
    for condition in CONDITIONS {
        for i in 0..PER_CONDITION {
            let text = texts[i % texts.len()].clone();
            let pixels = match condition {
                "sharp" => {
                    let mut px = draw(&text, 5, 40, 200, &mut rng);
                    noisy(&mut px, 4.0, &mut rng);
                    px
                }
                "defocus blur" => {
                    let px = draw(&text, 5, 40, 200, &mut rng);
                    let mut px = blur(&blur(&px, 2, 2), 1, 1);
                    noisy(&mut px, 4.0, &mut rng);
                    px
                }
                "motion blur" => {
                    let px = draw(&text, 5, 40, 200, &mut rng);
                    let mut px = blur(&px, shake, 0);
                    noisy(&mut px, 4.0, &mut rng);
                    px
                }
                "low light + noise" => {
                    let mut px = draw(&text, 5, 40, dim_light, &mut rng);
                    noisy(&mut px, dim_noise, &mut rng);
                    px
                }
                "inverted" => {
                    let mut px = draw(&text, 5, 215, 35, &mut rng);
                    noisy(&mut px, 4.0, &mut rng);
                    px
                }
                _ => {
                    let px = draw(&text, far_module, 50, 190, &mut rng);
                    let mut px = if hard { blur(&px, 1, 1) } else { px };
                    noisy(&mut px, if hard { 6.0 } else { 5.0 }, &mut rng);
                    px
                }
            };
            out.push(Frame { condition, text, pixels });
        }
    }
    out
}
