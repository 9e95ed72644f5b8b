//! Benchmark of the gate's hot path and the manifest size. Prints the numbers and writes them to
//! docs/benchmarks.md (its own section only).
//! `cargo run --release -p ingia-core --example core_bench`

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use ingia_core::rotating::current_code;
use ingia_core::sample::{sample_event, GENERAL, MAIN_GATE, SAMPLE_DOORS};
use ingia_core::*;

#[path = "support/report.rs"]
mod report;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Median over `rounds` of the mean time per call (µs) of `f` run `per_round` times.
fn time_us(rounds: usize, per_round: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut samples = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let start = Instant::now();
        for i in 0..per_round {
            f(r * per_round + i);
        }
        samples.push(start.elapsed().as_secs_f64() * 1e6 / per_round as f64);
    }
    median(samples)
}

fn gzip(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len()
}

fn main() {
    let now = UnixMillis::from_secs(u64::from(SAMPLE_DOORS) + 7_200);
    let ev = sample_event(42, 5_000);
    let texts: Vec<String> = ev
        .issued
        .iter()
        .filter(|i| i.entry.ticket_type == GENERAL)
        .map(|i| i.credential.with_code(current_code(&i.entry.code_secret, now, 30)).to_text())
        .collect();
    let ledger = Ledger::new();
    let parse = time_us(15, 2_000, |i| {
        black_box(TicketToken::parse(black_box(&texts[i % texts.len()])).unwrap());
    });
    let tokens: Vec<TicketToken> = texts.iter().map(|t| TicketToken::parse(t).unwrap()).collect();
    let key = ev.manifest.keys[0];
    let verify = time_us(15, 500, |i| {
        assert!(black_box(&tokens[i % tokens.len()]).signed.verify(&key));
    });
    let validate_us = time_us(15, 500, |i| {
        let scan = Scan { presented: Presented::Qr(&texts[i % texts.len()]), movement: Movement::Entry };
        assert!(validate(black_box(&scan), &ev.manifest, &ledger, MAIN_GATE, now).is_admit());
    });

    let build = Instant::now();
    let big = sample_event(43, 100_000);
    let build_s = build.elapsed().as_secs_f64();
    let bytes = big.manifest.encode();
    let gz = gzip(&bytes);
    let decode_ms = {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            black_box(Manifest::decode(black_box(&bytes)).unwrap());
            samples.push(start.elapsed().as_secs_f64() * 1e3);
        }
        median(samples)
    };
    let per_ticket = bytes.len() as f64 / 100_000.0;
    let per_ticket_gz = gz as f64 / 100_000.0;
    let avg_name = big.manifest.tickets().map(|t| t.holder.len()).sum::<usize>() as f64 / 100_000.0;

    let lines = [
        format!("| parse QR text (Base45 + fields) | {parse:.2} µs per scan |"),
        format!("| Ed25519 signature verify | {verify:.1} µs per scan |"),
        format!("| full `validate` (parse + verify + manifest + code + ledger) | {validate_us:.1} µs per scan |"),
        format!(
            "| manifest, 100,000 tickets, raw | {:.1} bytes per ticket ({:.2} MB; names average {avg_name:.1} bytes) |",
            per_ticket,
            bytes.len() as f64 / 1e6
        ),
        format!(
            "| manifest, 100,000 tickets, gzip -9 | {:.1} bytes per ticket ({:.2} MB) |",
            per_ticket_gz,
            gz as f64 / 1e6
        ),
        format!("| decode the 100,000-ticket manifest | {decode_ms:.0} ms |"),
        format!("| issue 100,000 tickets (sign + PIN + manifest) | {build_s:.2} s |"),
    ];
    println!("ingia-core benchmark (native, release)");
    for l in &lines {
        println!("{l}");
    }
    report::write_section(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
        "core",
        &format!(
            "## Gate decision and manifest size (ingia-core, native)\n\n\
             Command: `cargo run --release -p ingia-core --example core_bench`  \n\
             Measured: {} on {}.  \n\
             Sample event from `ingia_core::sample` (General tickets with a live rotating code). Times are the\n\
             median of 15 rounds. The secret per ticket (16 bytes) and PIN (4 bytes) dominate the manifest;\n\
             random secrets do not compress, names do.\n\n\
             | what | result |\n|---|---|\n{}\n",
            report::today(),
            report::machine(),
            lines.join("\n")
        ),
    );
}
