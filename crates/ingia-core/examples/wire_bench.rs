//! Benchmark: bytes on the wire per synced check-in, the scanner's sync traffic before (JSON, as
//! the scanner wrote it until this change and as tools still may) and after (the binary
//! `ingia_core::exchange`), raw and gzip-compressed (the server compresses answers). Writes
//! the `wire-bytes` section of docs/benchmarks.md.
//! Run: `cargo run --release -p ingia-core --example wire_bench`

#[path = "support/report.rs"]
mod report;

use std::io::Write;

use ingia_core::conflict::{ItemResult, SyncOutcome};
use ingia_core::sample::SplitMix;
use ingia_core::{
    exchange, CheckIn, DeviceId, EventId, GateId, LedgerEntry, Movement, RefusalKind, ScanId, ScanResult,
};
use ingia_core::{Proof, Standing, TicketId, UnixMillis};

fn gzip(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

/// A gate's batch as a 5,000-ticket concert makes it: one in ten refused, staff named.
fn batch(n: usize, rng: &mut SplitMix, first_scan: u64) -> Vec<CheckIn> {
    (0..n as u64)
        .map(|i| {
            let refused = rng.below(10) == 0;
            CheckIn {
                device: DeviceId(12),
                scan_id: ScanId(first_scan + i),
                event: EventId(0x9d2c_5f1e_7a40_33b1),
                ticket: Some(TicketId(1 + rng.below(5_000) as u32)),
                gate: GateId(1),
                staff: "Ngozi Adeyemi".into(),
                at: UnixMillis(1_796_154_060_000 + i * 3_500),
                movement: Movement::Entry,
                result: if refused { ScanResult::Refused(RefusalKind::AlreadyCheckedIn) } else { ScanResult::Admitted },
                // A phone's live code: its step and the 16-byte digest.
                proof: if refused {
                    Proof::None
                } else {
                    let mut digest = [0u8; 16];
                    digest.iter_mut().for_each(|b| *b = rng.below(256) as u8);
                    Proof::Qr { step: Some(59_871_802 + (i / 9) as u32), digest }
                },
            }
        })
        .collect()
}

fn results(records: &[CheckIn], seq0: u64) -> Vec<ItemResult> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| ItemResult {
            device: r.device,
            scan_id: r.scan_id,
            outcome: match r.result {
                ScanResult::Admitted => SyncOutcome::Accepted { seq: seq0 + i as u64 },
                ScanResult::Refused(_) => SyncOutcome::Recorded,
            },
            duplicate: false,
        })
        .collect()
}

fn admissions(records: &[CheckIn], seq0: u64) -> Vec<LedgerEntry> {
    records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| LedgerEntry::from_checkin(r, Standing::Accepted { seq: seq0 + i as u64 }))
        .collect()
}

fn main() {
    let mut rng = SplitMix(7);
    let now = UnixMillis(1_796_154_100_000);
    let mut rows = String::new();
    for n in [1usize, 10, 50] {
        let records = batch(n, &mut rng, 1_000);
        let items = results(&records, 2_000);
        // Before: what the scanner posted and what the server answered (JSON).
        let json_up = serde_json::to_vec(&serde_json::json!({ "records": records })).unwrap();
        let json_down = serde_json::to_vec(&serde_json::json!({ "server_time": now.0, "results": items })).unwrap();
        // After: the binary exchange.
        let bin_up = exchange::encode_checkins(&records);
        let bin_down = exchange::encode_results(now, &items);
        let per = |up: usize, down: usize| (up + down) as f64 / n as f64;
        let (before, before_gz) = (per(json_up.len(), json_down.len()), per(json_up.len(), gzip(&json_down)));
        let (after, after_gz) = (per(bin_up.len(), bin_down.len()), per(bin_up.len(), gzip(&bin_down)));
        println!("push of {n:>2}: JSON {before:.0} B/check-in ({before_gz:.0} with gzip answers), binary {after:.0} ({after_gz:.0})");
        rows.push_str(&format!(
            "| push of {n} | {} + {} | {before:.0} ({before_gz:.0}) | {} + {} | {after:.0} ({after_gz:.0}) | {:.1}x |\n",
            json_up.len(),
            json_down.len(),
            bin_up.len(),
            bin_down.len(),
            before / after
        ));
    }
    // Another gate's admissions, pulled by every other gate.
    let records = batch(50, &mut rng, 5_000);
    let entries = admissions(&records, 3_000);
    let json =
        serde_json::to_vec(&serde_json::json!({ "server_time": now.0, "seq": 3_050, "admissions": entries })).unwrap();
    let bin = exchange::encode_admissions(now, 3_050, &entries);
    let k = entries.len() as f64;
    println!(
        "admissions pull of {}: JSON {:.0} B/admission ({:.0} gzip), binary {:.0} ({:.0} gzip)",
        entries.len(),
        json.len() as f64 / k,
        gzip(&json) as f64 / k,
        bin.len() as f64 / k,
        gzip(&bin) as f64 / k
    );
    rows.push_str(&format!(
        "| admissions pull of {} | {} | {:.0} ({:.0}) | {} | {:.0} ({:.0}) | {:.1}x |\n",
        entries.len(),
        json.len(),
        json.len() as f64 / k,
        gzip(&json) as f64 / k,
        bin.len(),
        bin.len() as f64 / k,
        gzip(&bin) as f64 / k,
        json.len() as f64 / bin.len() as f64
    ));
    let body = format!(
        "## Sync traffic: bytes per synced check-in\n\n\
         `cargo run --release -p ingia-core --example wire_bench` ({}, {}). One gate's batches of check-ins as a \
         5,000-ticket concert makes them (one in ten refused, staff named): the push and its answer, per check-in, \
         before (JSON, as the scanner sent it until the typed-protocol change; tools may still) and after (the binary \
         `ingia_core::exchange`, docs/api.md). In brackets: with the answer gzip-compressed, as the server sends it to \
         a browser (requests go uncompressed). Pulls of other gates' admissions, per admission.\n\n\
         | exchange | JSON bytes (up + down) | JSON per check-in | binary bytes (up + down) | binary per check-in | JSON / binary |\n\
         |---|---|---|---|---|---|\n{rows}\n",
        report::today(),
        report::machine()
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    report::write_section(&root, "wire-bytes", &body);
}
