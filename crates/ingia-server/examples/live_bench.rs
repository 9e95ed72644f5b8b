//! Benchmark of the live stream against the release server binary (a child process on a SQLite
//! file, real sockets): gate A -> gate B latency over 50 check-ins (A's POST sent to B's stream
//! having the admission), then 1,000 open streams: the server's memory for them and its CPU while
//! each of 100 check-ins fans out to all of them. Prints the numbers and writes them to
//! docs/benchmarks.md. `scripts/bench.sh` runs it (with `ulimit -n` raised for 1,000 sockets);
//! alone: `cargo build --release -p ingia-server && ulimit -n 8192 &&
//! cargo run --release -p ingia-server --example live_bench`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ingia_core::live::{LiveMessage, SseParser};
use ingia_core::{CheckIn, GateId};
use ingia_server::devices::{self, Role};
use ingia_server::events::{self, NewEvent};
use ingia_server::secrets::{IssuingKey, Keys, MasterKey};
use ingia_server::util::{hex, now_ms, random_bytes};
use ingia_server::{attendees, tickets, Db};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "support/gate.rs"]
mod gate;
#[path = "../../ingia-core/examples/support/report.rs"]
mod report;
use gate::{admission, percentile};

const STREAMS: usize = 1_000;
const LATENCY_CHECKINS: usize = 50;
const FANOUT_CHECKINS: usize = 100;

/// One open stream over a socket: HTTP/1.1 chunked body, de-chunked into the SSE parser.
struct Stream {
    sock: tokio::net::TcpStream,
    buf: Vec<u8>,
    parser: SseParser,
    body_started: bool,
}

impl Stream {
    async fn open(addr: &str, token: &str) -> Stream {
        let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let req = format!("GET /api/live?since=0 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n");
        sock.write_all(req.as_bytes()).await.unwrap();
        Stream { sock, buf: Vec::new(), parser: SseParser::new(), body_started: false }
    }

    /// The next messages (at least one).
    async fn messages(&mut self) -> Vec<LiveMessage> {
        loop {
            let mut out = Vec::new();
            while let Some(data) = self.next_chunk() {
                for ev in self.parser.feed(&data).unwrap() {
                    out.extend(LiveMessage::parse(&ev.event, &ev.data).unwrap());
                }
            }
            if !out.is_empty() {
                return out;
            }
            let mut tmp = [0u8; 8192];
            let n = self.sock.read(&mut tmp).await.expect("read");
            assert!(n > 0, "the server closed a stream");
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }

    /// One whole chunk of the body from the buffer, if there is one.
    fn next_chunk(&mut self) -> Option<Vec<u8>> {
        if !self.body_started {
            let end = self.buf.windows(4).position(|w| w == b"\r\n\r\n")?;
            assert!(self.buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&self.buf));
            self.buf.drain(..end + 4);
            self.body_started = true;
        }
        let line = self.buf.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&self.buf[..line]).ok()?.trim(), 16).ok()?;
        if self.buf.len() < line + 2 + size + 2 {
            return None;
        }
        let data = self.buf[line + 2..line + 2 + size].to_vec();
        self.buf.drain(..line + 2 + size + 2);
        Some(data)
    }
}

fn admitted(messages: &[LiveMessage]) -> usize {
    messages
        .iter()
        .map(|m| match m {
            LiveMessage::Admissions { entries, .. } => entries.len(),
            LiveMessage::Revision(_) | LiveMessage::Phone(_) => 0,
        })
        .sum()
}

/// (resident KB, CPU ms) of a process, from /proc.
fn usage(pid: u32) -> (u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    (rss, ticks * 10.0) // USER_HZ is 100 on Linux
}

async fn post(addr: &str, token: &str, record: &CheckIn) {
    loop {
        let (status, v) =
            ingia_server::loopback::post_json(addr, "/api/checkins", token, &json!({ "records": [record] }))
                .await
                .expect("server reachable");
        match status {
            200 => {
                assert_eq!(v["results"][0]["outcome"]["outcome"], "accepted", "{v}");
                return;
            }
            429 => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("unexpected status {other}: {v}"),
        }
    }
}

#[tokio::main]
async fn main() {
    let bin = std::env::current_exe().unwrap().parent().unwrap().join("../ingia-server");
    assert!(bin.exists(), "build the server first: cargo build --release -p ingia-server");
    let dir = std::env::temp_dir().join(format!("ingia-live-bench-{}", hex(&random_bytes::<4>())));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ingia.db").display());
    let (master_hex, issuing_hex) = (hex(&random_bytes::<32>()), hex(&random_bytes::<32>()));
    let keys = Keys {
        master: MasterKey::from_hex(&master_hex).unwrap(),
        issuing: Some(IssuingKey::from_hex(&issuing_hex).unwrap()),
    };
    let db = Db::connect(&url).await.expect("database");
    let now = (now_ms() / 1000) as i64;
    let n_tickets = LATENCY_CHECKINS + FANOUT_CHECKINS;
    let ev = events::create_event(
        &db,
        &keys,
        &NewEvent {
            name: "Live bench".into(),
            venue: "Loopback".into(),
            starts_secs: now - 60,
            ends_secs: now + 3600,
            time_zone: "UTC".into(),
            doors_secs: now - 4 * 3600,
            close_secs: now + 7200,
            gates: vec!["Main".into()],
            types: vec!["General:code".parse().unwrap()],
            capacity: n_tickets,
        },
    )
    .await
    .expect("event");
    let csv: String = std::iter::once("name,ticket_type\n".to_string())
        .chain((0..n_tickets).map(|i| format!("Guest {i},General\n")))
        .collect();
    attendees::import_csv(&db, ev.id, csv.as_bytes(), false).await.unwrap();
    let issued = tickets::issue_pending(&db, &keys, ev.id).await.unwrap();
    let mut devs = Vec::new();
    for _ in 0..STREAMS + 2 {
        let p = devices::create_pairing(&db, "cli", ev.id, GateId(0), Role::Steward, 600_000).await.unwrap();
        let (auth, token) = devices::redeem(&db, &p.code, "bench").await.unwrap();
        devs.push((auth.device.0, token));
    }
    db.pool.close().await;

    let mut child = Command::new(&bin)
        .args(["--database-url", &url, "--data-dir"])
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"])
        .env("INGIA_MASTER_KEY", &master_hex)
        .env("INGIA_ISSUING_KEY", &issuing_hex)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").expect("listening").to_string();
    let pid = child.id();

    // Gate A -> gate B, one check-in at a time. A scans at a steward's pace (one every 2 s of
    // scan time, ending now), so no admission meets the per-device ceiling.
    let (a, token_a) = devs[0].clone();
    let mut b = Stream::open(&addr, &devs[1].1).await;
    b.messages().await; // the revision
    let base = now_ms();
    let mut latencies = Vec::new();
    for (i, t) in issued[..LATENCY_CHECKINS].iter().enumerate() {
        let record = admission(ev.id, a, i as u64 + 1, t, base - (n_tickets - i) as u64 * 2_000);
        let started = Instant::now();
        post(&addr, &token_a, &record).await;
        let mut got = 0;
        while got == 0 {
            got = admitted(&b.messages().await);
        }
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let (p50, p95, max) = (percentile(&latencies, 0.5), percentile(&latencies, 0.95), *latencies.last().unwrap());
    println!("gate A -> gate B over {LATENCY_CHECKINS} check-ins: p50 {p50:.1} ms, p95 {p95:.1} ms, max {max:.1} ms");
    drop(b);

    // 1,000 streams.
    let (rss_before, _) = usage(pid);
    let seen = Arc::new(AtomicUsize::new(0));
    let opened = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for (_, token) in &devs[2..] {
        let mut s = Stream::open(&addr, token).await;
        let (seen, opened) = (seen.clone(), opened.clone());
        readers.push(tokio::spawn(async move {
            let mut first = true;
            loop {
                let m = s.messages().await;
                if std::mem::take(&mut first) {
                    opened.fetch_add(1, Ordering::Relaxed);
                }
                // Admissions before the fan-out (the latency run) come first: counted apart.
                seen.fetch_add(admitted(&m), Ordering::Relaxed);
            }
        }));
    }
    while opened.load(Ordering::Relaxed) < STREAMS {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backlog = LATENCY_CHECKINS * STREAMS;
    while seen.load(Ordering::Relaxed) < backlog {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_open, cpu_before) = usage(pid);
    let per_stream_kb = (rss_open.saturating_sub(rss_before)) as f64 / STREAMS as f64;
    println!("{STREAMS} open streams: server RSS {} KB -> {} KB ({per_stream_kb:.1} KB each)", rss_before, rss_open);

    let started = Instant::now();
    let mut fanout = Vec::new();
    for (i, t) in issued[LATENCY_CHECKINS..].iter().enumerate() {
        let k = LATENCY_CHECKINS + i;
        let record = admission(ev.id, a, k as u64 + 1, t, base - (n_tickets - k) as u64 * 2_000);
        let sent = Instant::now();
        post(&addr, &token_a, &record).await;
        let want = backlog + (i + 1) * STREAMS;
        while seen.load(Ordering::Relaxed) < want {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        fanout.push(sent.elapsed().as_secs_f64() * 1e3);
    }
    let wall = started.elapsed().as_secs_f64();
    let (rss_after, cpu_after) = usage(pid);
    fanout.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let cpu_ms = cpu_after - cpu_before;
    let (f50, f95, fmax) = (percentile(&fanout, 0.5), percentile(&fanout, 0.95), *fanout.last().unwrap());
    println!(
        "{FANOUT_CHECKINS} check-ins to {STREAMS} streams: every stream had each in p50 {f50:.1} ms, p95 {f95:.1} ms, \
         max {fmax:.1} ms; server CPU {cpu_ms:.0} ms over {wall:.1} s ({:.0}% of one core), RSS {rss_after} KB",
        cpu_ms / (wall * 10.0)
    );
    for r in readers {
        r.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let body = format!(
        "## Live stream: gate to gate, and 1,000 open streams\n\n\
         `cargo run --release -p ingia-server --example live_bench` ({}, {}): the release server as a child \
         process on a SQLite file, real loopback sockets. Latency is from gate A's POST of one check-in to \
         gate B's stream holding it (both on this machine: no radio in between). Compare the pull intervals \
         of Ticket Tailor (7 s) and pretixSCAN (60 s); Ingia's own pull, the fallback, is 10 s.\n\n\
         | measure | p50 | p95 | max |\n|---|---:|---:|---:|\n\
         | gate A -> gate B, {LATENCY_CHECKINS} check-ins | {p50:.1} ms | {p95:.1} ms | {max:.1} ms |\n\
         | one check-in -> all {STREAMS} streams, {FANOUT_CHECKINS} check-ins | {f50:.1} ms | {f95:.1} ms | {fmax:.1} ms |\n\n\
         - Server memory: {rss_before} KB resident before the {STREAMS} streams, {rss_open} KB with them open \
         ({per_stream_kb:.1} KB per stream), {rss_after} KB after the fan-out.\n\
         - Server CPU during the fan-out: {cpu_ms:.0} ms over {wall:.1} s ({:.0}% of one core) for \
         {FANOUT_CHECKINS} x {STREAMS} deliveries (each stream reads the database from its own cursor on each wake).\n",
        report::today(),
        report::machine(),
        cpu_ms / (wall * 10.0)
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    report::write_section(&root, "live", &body);
}
