//! QR decoding of camera frames: rxing's port of zxing-cpp's QR detector first (it finds most codes,
//! fast; rqrr reads the grid it samples), then `rqrr` in a preprocessing pipeline for what it
//! misses (uneven light, glare, blur, small or inverted codes).
//! Pure computation on a luma buffer: the scanner's decoder worker and the benchmark run exactly
//! this. Invariant: a frame never panics out of here on a native build (rqrr's assertions are
//! caught); on wasm32 a panic aborts the worker, which the scanner restarts.

/// A greyscale frame, row-major, one byte per pixel (0 black, 255 white).
#[derive(Debug, Clone, Copy)]
pub struct Luma<'a> {
    pub width: usize,
    pub height: usize,
    pub pixels: &'a [u8],
}

/// Which pass of the pipeline read the code (for measurements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pass {
    /// rxing's zxing-cpp QR detector (hybrid binarizer, try harder) on the frame as it is, its
    /// sampled grid read by rqrr.
    Zxing,
    /// rqrr's own thresholding, on the frame (downscaled when large).
    Plain,
    /// Adaptive local-mean binarization (window about 1/8 of the frame).
    LocalWide,
    /// Adaptive local-mean binarization (small window: small or glary codes).
    LocalNarrow,
    /// The inverted frame (light modules on dark: "dark mode" codes).
    Inverted,
    /// Upscaled 2-4 times (codes only a few pixels per module).
    Upscaled,
    /// Smoothed (JPEG blocks, sensor noise, moiré).
    Smoothed,
    /// The full-resolution frame when the plain pass ran on a downscaled copy.
    FullResolution,
}

impl Pass {
    /// A short stable name (benchmarks, the worker's replies).
    pub fn name(self) -> &'static str {
        match self {
            Pass::Zxing => "zxing",
            Pass::Plain => "plain",
            Pass::LocalWide => "local-wide",
            Pass::LocalNarrow => "local-narrow",
            Pass::Inverted => "inverted",
            Pass::Upscaled => "upscaled",
            Pass::Smoothed => "smoothed",
            Pass::FullResolution => "full-resolution",
        }
    }
}

/// What a frame yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub pass: Pass,
}

/// Frames larger than this on their long side are first decoded at half size.
const DOWNSCALE_ABOVE: usize = 1000;
/// Frames smaller than this on their long side (close crops) run every pass.
const UPSCALE_BELOW: usize = 400;

/// Decodes a stream of camera frames. Camera-sized frames alternate between rxing's reader and
/// rqrr's passes (the reader keeps every turn while it keeps reading the code in view); heavier rqrr passes run when the plain pass saw finder patterns it could not
/// read, and otherwise rotate over successive frames, so a code held up for
/// [`FRAMES_PER_CYCLE`] frames (200 ms at 30 fps) meets every pass while an empty frame costs
/// either the reader or one plain pass and one rotating pass.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    frame: u64,
    /// The zxing reader read the last frame it saw.
    zxing_reading: bool,
    /// rqrr assertions caught (native builds).
    pub panics: u64,
    /// This frame's code was read but its text is not UTF-8: no other pass will make it so.
    foreign: bool,
}

/// rqrr frames per full rotation of the extra passes.
pub const ROTATION: u64 = 3;
/// Camera frames in which a steady code meets every pass: camera-sized frames alternate between
/// the zxing reader and the rqrr passes (200 ms at 30 fps); close crops get all on each frame.
pub const FRAMES_PER_CYCLE: u64 = 2 * ROTATION;

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn decode(&mut self, frame: Luma<'_>) -> Option<Decoded> {
        self.foreign = false;
        let n = self.frame;
        self.frame += 1;
        if frame.width < 21 || frame.height < 21 || frame.pixels.len() < frame.width * frame.height {
            return None;
        }
        let long = frame.width.max(frame.height);
        let small = long < UPSCALE_BELOW;
        // Camera frames take turns: the zxing reader on even frames, rqrr's passes on odd ones,
        // so no frame pays for both (an empty frame is the common case at a gate).
        // While the reader keeps reading the code in view, it keeps the turn.
        let (zxing_turn, rqrr_turn) = if small {
            (true, true)
        } else if self.zxing_reading {
            (true, false)
        } else {
            (n.is_multiple_of(2), !n.is_multiple_of(2))
        };
        let n = if small { n } else { n / 2 };
        if zxing_turn {
            let read = self.zxing(frame);
            self.zxing_reading = read.is_some();
            if let Some(text) = read {
                return Some(Decoded { text, pass: Pass::Zxing });
            }
        }
        if !rqrr_turn || self.foreign {
            return None;
        }
        let owned;
        let base = if long > DOWNSCALE_ABOVE {
            owned = downscale2(frame);
            owned.view()
        } else if long < UPSCALE_BELOW {
            // A close crop around a code: finder patterns need a quiet zone to be found.
            owned = pad(frame, long / 8 + 4);
            owned.view()
        } else {
            frame
        };
        let (text, saw_grid) = self.run(base, Source::Grey);
        if let Some(text) = text {
            return Some(Decoded { text, pass: Pass::Plain });
        }
        if self.foreign {
            return None;
        }
        // Finder patterns but no decode: spend more on this very frame.
        let mut passes: Vec<Pass> = Vec::new();
        if saw_grid {
            if long > DOWNSCALE_ABOVE {
                passes.push(Pass::FullResolution);
            }
            passes.extend([Pass::LocalWide, Pass::LocalNarrow, Pass::Smoothed]);
            if small {
                passes.push(Pass::Upscaled);
            }
        } else {
            passes.push(match n % ROTATION {
                0 => Pass::Inverted,
                1 => Pass::LocalNarrow,
                _ if small => Pass::Upscaled,
                _ => Pass::LocalWide,
            });
        }
        for pass in passes {
            if let Some(text) = self.pass(frame, base, pass) {
                return Some(Decoded { text, pass });
            }
            if self.foreign {
                return None;
            }
        }
        None
    }

    fn pass(&mut self, full: Luma<'_>, base: Luma<'_>, pass: Pass) -> Option<String> {
        match pass {
            Pass::Zxing => self.zxing(full),
            Pass::Plain => self.run(base, Source::Grey).0,
            Pass::FullResolution => self.run(full, Source::Grey).0,
            Pass::LocalWide => self.run(base, Source::Local { window: base.width.max(base.height) / 8, bias: 10 }).0,
            Pass::LocalNarrow => self.run(base, Source::Local { window: base.width.max(base.height) / 24, bias: 5 }).0,
            Pass::Inverted => {
                let inv = Owned::map(base, |p| 255 - p);
                self.run(inv.view(), Source::Grey).0
            }
            Pass::Smoothed => {
                let s = box_blur3(base);
                self.run(s.view(), Source::Grey).0
            }
            Pass::Upscaled => {
                let long = base.width.max(base.height);
                let up = upscale(base, 400usize.div_ceil(long).clamp(2, 3));
                self.run(up.view(), Source::Grey)
                    .0
                    .or_else(|| self.run(up.view(), Source::Local { window: up.width.max(up.height) / 8, bias: 10 }).0)
            }
        }
    }

    /// rxing's zxing-cpp QR detector on the frame (finder patterns, then the sampled grid of
    /// modules), read by rqrr's decoder (error correction and the text). rxing's own decoder would
    /// bring every character set's tables into the worker (about 100 KB of brotli) for codes that
    /// are Base45 tickets and ASCII pairing links.
    fn zxing(&mut self, frame: Luma<'_>) -> Option<String> {
        use rxing::common::{DetectorRXingResult, HybridBinarizer};
        use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
        use rxing::{Binarizer, Luma8LuminanceSource};
        let mut foreign = false;
        let attempt = || -> Option<String> {
            let pixels = frame.pixels[..frame.width * frame.height].to_vec();
            let source = Luma8LuminanceSource::new(pixels, frame.width as u32, frame.height as u32).ok()?;
            let binarizer = HybridBinarizer::new(source);
            let image = binarizer.get_black_matrix().ok()?;
            let mut patterns = FindFinderPatterns(image, true, 0);
            GenerateFinderPatternSets(&mut patterns).iter().find_map(|set| {
                let sampled = SampleQR(image, set).ok()?;
                let bits = sampled.getBits();
                let size = bits.width() as usize;
                // Only a real QR size (versions 1 to 40): rqrr derives the version from it.
                if size != bits.height() as usize || !(21..=177).contains(&size) || !(size - 17).is_multiple_of(4) {
                    return None;
                }
                let grid = rqrr::SimpleGrid::from_func(size, |x, y| bits.get(x as u32, y as u32));
                let mut bytes = Vec::new();
                rqrr::Grid::new(grid).decode_to(&mut bytes).ok()?;
                let text = text_from_bytes(bytes);
                foreign |= text.is_none();
                text
            })
        };
        #[cfg(not(target_arch = "wasm32"))]
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt)).unwrap_or_else(|_| {
            self.panics += 1;
            None
        });
        #[cfg(target_arch = "wasm32")]
        let read = {
            let mut attempt = attempt;
            attempt()
        };
        self.foreign |= foreign;
        read
    }

    /// One rqrr attempt: returns the text, and whether any grid (three finder patterns) was seen.
    fn run(&mut self, frame: Luma<'_>, source: Source) -> (Option<String>, bool) {
        let mut foreign = false;
        let attempt = || -> (Option<String>, bool) {
            let mut img = match source {
                Source::Grey => rqrr::PreparedImage::prepare_from_greyscale(frame.width, frame.height, |x, y| {
                    frame.pixels[y * frame.width + x]
                }),
                Source::Local { window, bias } => {
                    let black = local_threshold(frame, window.max(8), bias);
                    rqrr::PreparedImage::prepare_from_bitmap(frame.width, frame.height, |x, y| {
                        black[y * frame.width + x]
                    })
                }
            };
            let grids = img.detect_grids();
            let saw = !grids.is_empty();
            for g in grids {
                let mut bytes = Vec::new();
                if g.decode_to(&mut bytes).is_ok() {
                    match text_from_bytes(bytes) {
                        Some(text) => return (Some(text), saw),
                        None => foreign = true,
                    }
                }
            }
            (None, saw)
        };
        #[cfg(not(target_arch = "wasm32"))]
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt)).unwrap_or_else(|_| {
            self.panics += 1;
            (None, false)
        });
        #[cfg(target_arch = "wasm32")]
        let read = {
            let mut attempt = attempt;
            attempt()
        };
        self.foreign |= foreign;
        read
    }
}

#[derive(Clone, Copy)]
enum Source {
    Grey,
    Local { window: usize, bias: u32 },
}

/// Luma (BT.601, integer) of an RGBA buffer as a canvas's `getImageData` gives it, written into
/// `out` (reused between frames). Returns false when the buffer is shorter than `width * height`
/// pixels.
pub fn luma_from_rgba(rgba: &[u8], width: usize, height: usize, out: &mut Vec<u8>) -> bool {
    let n = width * height;
    if rgba.len() < n * 4 {
        return false;
    }
    out.clear();
    out.extend(
        rgba[..n * 4]
            .chunks_exact(4)
            .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8) as u8),
    );
    true
}

/// UTF-8 when it is; otherwise Latin-1 (QR byte mode's historical default).
/// The code's text, or nothing: a payload that is not UTF-8 (Shift_JIS, Kanji mode, an ECI's
/// character set) cannot be told apart from Latin-1 without the tables rxing's decoder would
/// bring, so it is not guessed. Tickets and pairing links are ASCII.
fn text_from_bytes(bytes: Vec<u8>) -> Option<String> {
    String::from_utf8(bytes).ok()
}

struct Owned {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Owned {
    fn view(&self) -> Luma<'_> {
        Luma { width: self.width, height: self.height, pixels: &self.pixels }
    }
    fn map(src: Luma<'_>, f: impl Fn(u8) -> u8) -> Owned {
        Owned {
            width: src.width,
            height: src.height,
            pixels: src.pixels[..src.width * src.height].iter().map(|&p| f(p)).collect(),
        }
    }
}

/// The frame inside a white margin of `m` pixels.
fn pad(src: Luma<'_>, m: usize) -> Owned {
    let (w, h) = (src.width + 2 * m, src.height + 2 * m);
    let mut out = vec![255u8; w * h];
    for y in 0..src.height {
        out[(y + m) * w + m..(y + m) * w + m + src.width]
            .copy_from_slice(&src.pixels[y * src.width..(y + 1) * src.width]);
    }
    Owned { width: w, height: h, pixels: out }
}

fn downscale2(src: Luma<'_>) -> Owned {
    let (w, h) = (src.width / 2, src.height / 2);
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let r0 = &src.pixels[2 * y * src.width..];
        let r1 = &src.pixels[(2 * y + 1) * src.width..];
        for x in 0..w {
            let s = r0[2 * x] as u32 + r0[2 * x + 1] as u32 + r1[2 * x] as u32 + r1[2 * x + 1] as u32;
            out[y * w + x] = (s / 4) as u8;
        }
    }
    Owned { width: w, height: h, pixels: out }
}

/// Bilinear upscaling by an integer factor (so a module of 3 pixels becomes 9 or 12).
fn upscale(src: Luma<'_>, f: usize) -> Owned {
    let (w, h) = (src.width * f, src.height * f);
    let mut out = vec![0u8; w * h];
    let at = |x: usize, y: usize| src.pixels[y.min(src.height - 1) * src.width + x.min(src.width - 1)] as u32;
    let scale = (f * 2) as u32;
    for y in 0..h {
        // Source coordinate of the pixel centre, in units of 1/(2f) pixel.
        let sy2 = (2 * y + 1) as i64 - f as i64;
        let (sy, fy) = (sy2.max(0) as usize / (2 * f), (sy2.max(0) as usize % (2 * f)) as u32);
        for x in 0..w {
            let sx2 = (2 * x + 1) as i64 - f as i64;
            let (sx, fx) = (sx2.max(0) as usize / (2 * f), (sx2.max(0) as usize % (2 * f)) as u32);
            let top = at(sx, sy) * (scale - fx) + at(sx + 1, sy) * fx;
            let bottom = at(sx, sy + 1) * (scale - fx) + at(sx + 1, sy + 1) * fx;
            out[y * w + x] = ((top * (scale - fy) + bottom * fy) / (scale * scale)) as u8;
        }
    }
    Owned { width: w, height: h, pixels: out }
}

fn box_blur3(src: Luma<'_>) -> Owned {
    let (w, h) = (src.width, src.height);
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0u32;
            let mut n = 0u32;
            for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    s += src.pixels[yy * w + xx] as u32;
                    n += 1;
                }
            }
            out[y * w + x] = (s / n) as u8;
        }
    }
    Owned { width: w, height: h, pixels: out }
}

/// Bradley-style adaptive threshold: a pixel is black when it is more than `bias` percent darker
/// than the mean of the `window`-sized square around it (integral image, O(1) per pixel).
fn local_threshold(src: Luma<'_>, window: usize, bias: u32) -> Vec<bool> {
    let (w, h) = (src.width, src.height);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += src.pixels[y * w + x] as u64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = window / 2;
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let count = ((x1 - x0) * (y1 - y0)) as u64;
            out[y * w + x] = (src.pixels[y * w + x] as u64) * count * 100 < sum * (100 - bias as u64);
        }
    }
    out
}
