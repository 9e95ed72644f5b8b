//! Benchmark of check-in batch sync: check-ins per second and request latency (p50, p99) for
//! batches of 1, 50 and 500, against a real server socket on SQLite and on PostgreSQL.
//! Prints the numbers and writes them to docs/benchmarks.md.
//! `scripts/bench.sh` runs it with a throwaway PostgreSQL; alone:
//! `INGIA_BENCH_PG_URL=postgres://... cargo run --release -p ingia-server --example sync_bench`

use std::net::SocketAddr;
use std::time::Instant;

use ingia_core::EventId;
use ingia_server::secrets::Keys;
use ingia_server::tickets::IssuedTicket;
use ingia_server::util::{hex, now_ms, random_bytes};
use ingia_server::{AppState, Db};
use serde_json::json;

#[path = "support/gate.rs"]
mod gate;
#[path = "../../ingia-core/examples/support/report.rs"]
mod report;
use gate::{admission, event_with_gates, percentile};

const TICKETS: usize = 6_000;
const DEVICES: usize = 4;

async fn setup(url: &str, keys: &Keys) -> (Db, EventId, Vec<(u32, String)>, Vec<IssuedTicket>) {
    let db = Db::connect(url).await.expect("database");
    let (event, devs, issued) = event_with_gates(&db, keys, TICKETS, DEVICES).await;
    (db, event, devs, issued)
}

/// Pushes `per_device` admissions from each device (distinct tickets) in batches of `batch`.
async fn run(url: &str, batch: usize, per_device: usize) -> (f64, f64, f64) {
    let keys = Keys::ephemeral();
    let (db, event, devs, issued) = setup(url, &keys).await;
    let issued = std::sync::Arc::new(issued);
    let app = ingia_server::app(AppState { rate_limits: false, ..AppState::new(db.clone(), keys, None) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (n, (device, token)) in devs.into_iter().enumerate() {
        let addr = addr.clone();
        let issued = issued.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            // At a steward's pace (one scan every 2 s, ending now), so no device meets its ceiling.
            let now = now_ms();
            let records: Vec<_> = (0..per_device)
                .map(|i| {
                    let at = now - (per_device - i) as u64 * 2_000;
                    admission(event, device, i as u64 + 1, &issued[n * per_device + i], at)
                })
                .collect();
            for chunk in records.chunks(batch) {
                let t = Instant::now();
                loop {
                    let (status, _) =
                        ingia_server::loopback::post_json(&addr, "/api/checkins", &token, &json!({"records": chunk}))
                            .await
                            .expect("server reachable");
                    match status {
                        200 => break,
                        429 => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                        other => panic!("unexpected status {other}"),
                    }
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    // What was measured is the path that counts admissions: every record accepted, none doubted.
    let accepted: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM checkins WHERE outcome = 'accepted'")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(accepted as usize, DEVICES * per_device, "every benchmark admission is accepted");
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ((DEVICES * per_device) as f64 / secs, percentile(&all, 0.5), percentile(&all, 0.99))
}

#[tokio::main]
async fn main() {
    let mut backends = vec![("SQLite (WAL file)".to_string(), None)];
    match std::env::var("INGIA_BENCH_PG_URL") {
        Ok(url) => backends.push(("PostgreSQL 15 (loopback)".to_string(), Some(url))),
        Err(_) => println!("INGIA_BENCH_PG_URL not set: PostgreSQL skipped (scripts/bench.sh sets it)"),
    }
    let mut lines = Vec::new();
    for (name, admin) in &backends {
        for (batch, per_device) in [(1usize, 250usize), (50, 1_000), (500, 1_500)] {
            let url = match admin {
                None => {
                    let dir = std::env::temp_dir().join(format!("ingia-bench-{}", hex(&random_bytes::<4>())));
                    std::fs::create_dir_all(&dir).unwrap();
                    format!("sqlite://{}", dir.join("bench.db").display())
                }
                Some(admin) => {
                    sqlx::any::install_default_drivers();
                    let db = format!("ingia_bench_{}", hex(&random_bytes::<4>()));
                    let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await.expect("PostgreSQL");
                    sqlx::Executor::execute(&mut c, format!("CREATE DATABASE {db}").as_str()).await.unwrap();
                    format!("{}/{db}", admin.rsplit_once('/').unwrap().0)
                }
            };
            let (rate, p50, p99) = run(&url, batch, per_device).await;
            let line = format!("| {name} | {batch} | {} | {rate:.0} | {p50:.1} | {p99:.1} |", DEVICES * per_device);
            println!("{line}");
            lines.push(line);
        }
    }
    report::write_section(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
        "sync",
        &format!(
            "## Check-in batch sync (ingia-server)\n\n\
             Command: `bash scripts/bench.sh` (or `cargo run --release -p ingia-server --example sync_bench`)  \n\
             Measured: {} on {}.  \n\
             {DEVICES} devices push concurrently over loopback HTTP to one server process; every record is a first\n\
             admission with its proof (stored, proof checked, ceiling counted, decided first-wins, answered). Latency is per request. Rate limits are off here (they would\n\
             measure the limiter: a device may sync 10 requests/s).\n\n\
             | backend | batch | check-ins | check-ins/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n{}\n",
            report::today(),
            report::machine(),
            lines.join("\n")
        ),
    );
}
