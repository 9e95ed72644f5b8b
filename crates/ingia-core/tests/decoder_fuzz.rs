//! The frame decoder fed arbitrary and mutated images: QR codes of every size drawn small and
//! then damaged (modules flipped, rows smeared, patches of noise, cropped), random noise, and
//! structured junk (finder-like squares, stripes). No image may make rqrr's assertions fire: on
//! the phone a panic aborts the decoder worker (wasm has no unwinding), which is a trap the gate
//! sees as a frozen camera. Natively the decoder catches and counts them (`FrameDecoder::panics`);
//! this asserts the count stays 0 and that every text returned is one of the codes drawn.
//! The test command runs it again, optimized, for 10 minutes from one fixed seed
//! (`INGIA_DECODER_FUZZ_SECS`, `INGIA_DECODER_FUZZ_SEED`); `scripts/bench.sh` explores new seeds.

use ingia_decoder::{FrameDecoder, Luma};

#[path = "../examples/support/rng.rs"]
mod rng;
use rng::Rng;

/// A QR of `text` drawn with `module` pixels per module inside a `w`x`h` grey card.
fn drawn(text: &str, module: usize, w: usize, h: usize, rng: &mut Rng) -> Vec<u8> {
    let level = [qrcode::EcLevel::L, qrcode::EcLevel::M, qrcode::EcLevel::Q, qrcode::EcLevel::H][rng.below(4) as usize];
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level).unwrap();
    let n = qr.width();
    let colors = qr.to_colors();
    let mut px = vec![200u8; w * h];
    let size = n * module;
    let x0 = rng.below((w.saturating_sub(size) + 1) as u64) as usize;
    let y0 = rng.below((h.saturating_sub(size) + 1) as u64) as usize;
    for y in 0..size.min(h - y0) {
        for x in 0..size.min(w - x0) {
            if colors[(y / module) * n + x / module] == qrcode::Color::Dark {
                px[(y0 + y) * w + x0 + x] = 30;
            }
        }
    }
    px
}

fn damage(px: &mut [u8], w: usize, h: usize, rng: &mut Rng) {
    for _ in 0..rng.below(6) {
        match rng.below(5) {
            // Flip pixels.
            0 => {
                for _ in 0..rng.below((w * h / 20) as u64) {
                    let i = rng.below(px.len() as u64) as usize;
                    px[i] = 255 - px[i];
                }
            }
            // Smear a row band.
            1 => {
                let y = rng.below(h as u64) as usize;
                let rows = 1 + rng.below(8) as usize;
                for r in y..(y + rows).min(h) {
                    let v = px[r * w];
                    px[r * w..(r + 1) * w].fill(v);
                }
            }
            // A patch of noise.
            2 => {
                let (x, y) = (rng.below(w as u64) as usize, rng.below(h as u64) as usize);
                let s = 4 + rng.below(60) as usize;
                for yy in y..(y + s).min(h) {
                    for xx in x..(x + s).min(w) {
                        px[yy * w + xx] = rng.next() as u8;
                    }
                }
            }
            // Shift the right part of some rows (a torn frame).
            3 => {
                let y = rng.below(h as u64) as usize;
                let cut = rng.below(w as u64) as usize;
                let by = 1 + rng.below(6) as usize;
                for r in y..(y + 20).min(h) {
                    px[r * w + cut..(r + 1) * w].rotate_right(by.min(w - cut));
                }
            }
            // A finder-like square anywhere (extra "patterns" the detector must reject).
            _ => {
                let s = 7 * (1 + rng.below(5) as usize);
                let (x, y) =
                    (rng.below((w - s.min(w)) as u64 + 1) as usize, rng.below((h - s.min(h)) as u64 + 1) as usize);
                for yy in 0..s.min(h - y) {
                    for xx in 0..s.min(w - x) {
                        let ring = (xx * 7 / s).min(yy * 7 / s).min((s - 1 - xx) * 7 / s).min((s - 1 - yy) * 7 / s);
                        px[(y + yy) * w + x + xx] = if ring == 1 { 200 } else { 30 };
                    }
                }
            }
        }
    }
}

/// One image: its size and pixels, and the text drawn into it (if any).
fn image(rng: &mut Rng) -> (usize, usize, Vec<u8>, Option<String>) {
    let (w, h) = match rng.below(4) {
        0 => (21 + rng.below(60) as usize, 21 + rng.below(60) as usize),
        1 => (100 + rng.below(300) as usize, 100 + rng.below(300) as usize),
        2 => (640, 480),
        _ => (64 + rng.below(900) as usize, 48 + rng.below(400) as usize),
    };
    match rng.below(3) {
        0 => {
            let px: Vec<u8> = (0..w * h).map(|_| rng.next() as u8).collect();
            (w, h, px, None)
        }
        _ => {
            let len = 1 + rng.below(300) as usize;
            let text: String = (0..len).map(|_| (b'!' + rng.below(90) as u8) as char).collect();
            let module = 1 + rng.below(6) as usize;
            let mut px = drawn(&text, module, w, h, rng);
            damage(&mut px, w, h, rng);
            (w, h, px, Some(text))
        }
    }
}

fn run(seed: u64, budget: std::time::Duration, at_least: usize) -> (usize, usize) {
    let mut rng = Rng(seed);
    // INGIA_DECODER_FUZZ_SKIP=n: generate the run's first n images without decoding them (to
    // reach a failing image of a long run quickly and keep it).
    let skip: usize = std::env::var("INGIA_DECODER_FUZZ_SKIP").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for _ in 0..skip {
        image(&mut rng);
    }
    let started = std::time::Instant::now();
    let (mut images, mut read) = (skip, 0);
    while images < skip + at_least || started.elapsed() < budget {
        let (w, h, px, text) = image(&mut rng);
        let mut d = FrameDecoder::new();
        // A fault's image, kept as a regression test (tests/data/decoder-faults/, a PGM file).
        let keep = |why: &str| {
            if let Ok(dir) = std::env::var("INGIA_DECODER_FUZZ_KEEP") {
                let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
                pgm.extend_from_slice(&px);
                let _ = std::fs::write(format!("{dir}/seed-{seed}-image-{images}.pgm"), pgm);
                eprintln!("decoder fuzz: {why}: image kept in {dir}");
            }
        };
        for _ in 0..3 {
            if let Some(got) = d.decode(Luma { width: w, height: h, pixels: &px }) {
                if Some(&got.text) != text.as_ref() {
                    keep("a text that was not drawn");
                }
                assert_eq!(Some(&got.text), text.as_ref(), "seed {seed}, image {images}: a text that was not drawn");
                read += 1;
                break;
            }
        }
        if d.panics > 0 {
            keep("a panic");
        }
        assert_eq!(d.panics, 0, "seed {seed}, image {images} ({w}x{h}) made the decoder panic");
        images += 1;
    }
    (images, read)
}

/// Every image a fuzz run ever caught making the decoder fail (PGM files, named by seed and
/// image), decoded again: no panic.
#[test]
fn the_images_that_once_broke_the_decoder_do_not_any_more() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/decoder-faults");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        // "P5\nW H\n255\n" then the pixels.
        let mut fields = bytes.splitn(4, |b| *b == b'\n');
        assert_eq!(fields.next(), Some(&b"P5"[..]), "{}", path.display());
        let size = std::str::from_utf8(fields.next().unwrap()).unwrap();
        let (w, h) = size.split_once(' ').map(|(w, h)| (w.parse().unwrap(), h.parse().unwrap())).unwrap();
        fields.next();
        let pixels = fields.next().unwrap();
        assert_eq!(pixels.len(), w * h);
        let mut d = FrameDecoder::new();
        for _ in 0..ingia_decoder::FRAMES_PER_CYCLE {
            d.decode(Luma { width: w, height: h, pixels });
        }
        assert_eq!(d.panics, 0, "{} still makes the decoder panic", path.display());
        seen += 1;
    }
    assert!(seen >= 1);
}

#[test]
fn arbitrary_and_damaged_images_never_panic_the_decoder_nor_invent_a_text() {
    let env = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    run(0xF00D_CAFE, std::time::Duration::ZERO, 150);
    // The long run: the seed given, else a new one (printed, so a failure can be replayed; with
    // INGIA_DECODER_FUZZ_KEEP=tests/data/decoder-faults its image is kept for the test above).
    if let Some(secs) = env("INGIA_DECODER_FUZZ_SECS").filter(|s| *s > 0) {
        let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let seed = env("INGIA_DECODER_FUZZ_SEED").unwrap_or(clock.as_nanos() as u64 | 1);
        println!("decoder fuzz: seed {seed} for {secs} s (INGIA_DECODER_FUZZ_SEED={seed} replays it)");
        let (images, read) = run(seed, std::time::Duration::from_secs(secs), 0);
        println!("decoder fuzz: {images} images, {read} read, 0 panics, 0 invented texts");
    }
}
