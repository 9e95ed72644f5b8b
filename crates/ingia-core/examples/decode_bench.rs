//! Decode benchmark: `cargo run --release -p ingia-core --example decode_bench -- DIR`
//! DIR holds sets: folders of images (.png .jpg .webp) with the expected text in a .txt of the
//! same stem. Each image is fed to the scanner's `FrameDecoder` as ROTATION consecutive frames
//! (about 100 ms of camera), exactly as the scanner runs it. Prints one line per set and
//! `TOTAL ok/total`. Run with `--write` to record the table in docs/benchmarks.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ingia_decoder::{FrameDecoder, Luma, ROTATION};

#[path = "support/report.rs"]
mod report;

fn expected(txt: &Path) -> Option<(String, String)> {
    let raw = std::fs::read(txt).ok()?;
    let norm = |s: String| s.replace("\r\n", "\n").trim_end().to_string();
    let latin1: String = raw.iter().map(|&b| b as char).collect();
    let utf8 = String::from_utf8(raw).unwrap_or_else(|_| latin1.clone());
    Some((norm(utf8), norm(latin1)))
}

fn plain_rqrr(frame: Luma<'_>) -> Option<ingia_decoder::Decoded> {
    std::panic::catch_unwind(|| {
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(frame.width, frame.height, |x, y| {
            frame.pixels[y * frame.width + x]
        });
        img.detect_grids()
            .into_iter()
            .find_map(|g| g.decode().ok())
            .map(|(_, text)| ingia_decoder::Decoded { text, pass: ingia_decoder::Pass::Plain })
    })
    .ok()
    .flatten()
}

struct SetResult {
    name: String,
    ok: usize,
    total: usize,
    median_ms: f64,
}

fn run_sets(sets: &[PathBuf], baseline: bool, verbose: bool) -> Vec<SetResult> {
    let mut results = Vec::new();
    for set in sets {
        let mut images: Vec<PathBuf> = std::fs::read_dir(set)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "jpg" | "jpeg" | "webp")))
            .collect();
        images.sort();
        let (mut ok, mut total, mut times) = (0, 0, Vec::new());
        for img in &images {
            let Some((want, want_latin1)) = expected(&img.with_extension("txt")) else { continue };
            let Ok(decoded) = image::open(img) else {
                eprintln!("{}: cannot read image", img.display());
                continue;
            };
            total += 1;
            let luma = decoded.to_luma8();
            let frame = Luma { width: luma.width() as usize, height: luma.height() as usize, pixels: luma.as_raw() };
            let mut decoder = FrameDecoder::new();
            let mut read = false;
            for _ in 0..if baseline { 1 } else { ROTATION } {
                let t = Instant::now();
                let got = if baseline { plain_rqrr(frame) } else { decoder.decode(frame) };
                times.push(t.elapsed().as_secs_f64() * 1e3);
                if let Some(d) = got {
                    let text = d.text.replace("\r\n", "\n");
                    let text = text.trim_end();
                    if text == want || text == want_latin1 {
                        read = true;
                        break;
                    }
                }
            }
            ok += usize::from(read);
            if verbose && !read {
                println!("  miss {} ({}x{})", img.display(), frame.width, frame.height);
            }
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median_ms = times.get(times.len() / 2).copied().unwrap_or(0.0);
        results.push(SetResult { name: set.file_name().unwrap().to_string_lossy().to_string(), ok, total, median_ms });
    }
    results
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--write");
    let verbose = args.iter().any(|a| a == "--verbose");
    // `--baseline`: plain rqrr on one frame, no pipeline (the "before" column).
    let baseline = args.iter().any(|a| a == "--baseline");
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")).map(PathBuf::from) else {
        eprintln!("usage: decode_bench DIR [--baseline] [--verbose] [--write]");
        std::process::exit(2);
    };
    // rqrr assertion failures are caught and counted; keep their messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    let results = run_sets(&sets, baseline, verbose);
    for r in &results {
        println!("{} {}/{} median {:.1} ms", r.name, r.ok, r.total, r.median_ms);
    }
    let (ok, total) = results.iter().fold((0, 0), |(o, t), r| (o + r.ok, t + r.total));
    println!("TOTAL {ok}/{total}");
    if write {
        let before = if baseline { None } else { Some(run_sets(&sets, true, false)) };
        let mut rows = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let b = before
                .as_ref()
                .map(|b| format!("{}/{} | {:.1}", b[i].ok, b[i].total, b[i].median_ms))
                .unwrap_or_default();
            rows.push(format!("| {} | {} | {}/{} | {:.1} |", r.name, b, r.ok, r.total, r.median_ms));
        }
        let (bo, bt) =
            before.as_ref().map(|b| b.iter().fold((0, 0), |(o, t), r| (o + r.ok, t + r.total))).unwrap_or((0, 0));
        rows.push(format!("| **total** | {bo}/{bt} | | {ok}/{total} | |"));
        report::write_section(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
            "decode",
            &format!(
                "## QR decoding of real photos (ingia-core `decode`, native)\n\n\
                 Command: `cargo run --release -p ingia-core --example decode_bench -- {} --write`  \n\
                 Measured: {} on {}. Before: plain `rqrr` 0.11 on one frame. After: the scanner's\n\
                 `FrameDecoder` (rxing's zxing-cpp QR port first, then rqrr with preprocessing), each image fed as {ROTATION} camera frames (100 ms at 30 fps). Times are the median\n\
                 per frame, native; the browser figures come with the scanner's benchmark.\n\n\
                 | set | before read | before ms | after read | after ms |\n|---|---|---|---|---|\n{}\n",
                dir.display(),
                report::today(),
                report::machine(),
                rows.join("\n")
            ),
        );
    }
}
