//! Fleet soak: hundreds of gate devices (the core's `SyncSession`, as the phones run it) sync
//! with real `ingia-server` processes over loopback HTTP through an arrival curve with a
//! doors-open peak, while a proxy in front of each server drops or resets 5% of the connections
//! (half before the request reaches the server, half after it answered, so the answer is lost)
//! and each server is killed (SIGKILL) and started again, twice in all. Then every device
//! catches up and the invariants are checked: nothing lost (every record a device made is on the
//! server, once), no ticket admitted twice, every device's ledger equal to the server's.
//! It reports sync latency, errors and the servers' CPU per check-in.
//!
//! `scripts/bench.sh` runs the long soak (10 minutes per backend, 500 devices) and writes
//! docs/benchmarks.md; the test command runs a short one (`--secs 40 --scans 2`). Alone:
//! `cargo build --release -p ingia-server && cargo run --release -p ingia-server --example fleet_soak -- --secs 600`
//! (`--postgres URL` or `INGIA_BENCH_PG_URL`: also PostgreSQL with two server instances).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ingia_core::sample::SplitMix;
use ingia_core::sync::{Reply, SyncConfig, SyncEvent, SyncSession, Transmit};
use ingia_core::{
    exchange, CheckIn, DeviceId, EventId, GateId, Movement, Proof, RefusalKind, ScanId, ScanResult, Standing,
    UnixMillis,
};
use ingia_server::loopback;
use ingia_server::secrets::{IssuingKey, Keys, MasterKey};
use ingia_server::tickets::IssuedTicket;
use ingia_server::util::{hex, now_ms, random_bytes};
use ingia_server::Db;
use sqlx::Row;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

#[path = "support/gate.rs"]
mod gate;
#[path = "../../ingia-core/examples/support/report.rs"]
mod report;
use gate::{admission, event_with_gates, percentile};

/// The share of connections the proxy breaks: half reset before the request, half after the
/// answer (the server did the work; the device never hears it).
const FAULTS: f64 = 0.05;
/// The share of scans that present a ticket already presented elsewhere (a shared screenshot).
const SHARED: f64 = 0.03;
/// How long a killed server stays down.
const DOWN: Duration = Duration::from_secs(3);

struct Args {
    secs: u64,
    devices: usize,
    scans: usize,
    postgres: Option<String>,
    write: bool,
}

fn args() -> Args {
    let mut a =
        Args { secs: 600, devices: 500, scans: 24, postgres: std::env::var("INGIA_BENCH_PG_URL").ok(), write: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--secs" => a.secs = value().parse().expect("--secs N"),
            "--devices" => a.devices = value().parse().expect("--devices N"),
            "--scans" => a.scans = value().parse().expect("--scans N (per device)"),
            "--postgres" => a.postgres = Some(value()),
            "--write" => a.write = true,
            other => panic!("unknown argument {other}: --secs N --devices N --scans N --postgres URL --write"),
        }
    }
    a
}

/// One server process on a fixed port, started again on the same port after a kill.
struct Instance {
    bin: std::path::PathBuf,
    url: String,
    port: u16,
    dir: std::path::PathBuf,
    keys: (String, String),
    child: Option<Child>,
    /// CPU time of the processes already killed, in clock ticks.
    spent_ticks: u64,
}

impl Instance {
    fn start(&mut self) {
        let mut child = Command::new(&self.bin)
            .args(["--database-url", &self.url, "--data-dir"])
            .arg(&self.dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port), "--static-dir", "/nonexistent"])
            .env("RUST_LOG", "error")
            .env("INGIA_MASTER_KEY", &self.keys.0)
            .env("INGIA_ISSUING_KEY", &self.keys.1)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ingia-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("listening on"), "the server did not start: {line}");
        self.child = Some(child);
    }

    fn ticks(&self) -> u64 {
        let Some(child) = &self.child else { return 0 };
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        // After the command name in parentheses: state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    fn kill(&mut self) {
        self.spent_ticks += self.ticks();
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
        }
    }

    fn cpu_secs(&self) -> f64 {
        (self.spent_ticks + self.ticks()) as f64 / 100.0
    }
}

/// A run that stops (a failed check) leaves no server behind.
impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the proxies did and what the devices saw.
#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    reset_before: AtomicU64,
    answer_lost: AtomicU64,
    failed_requests: AtomicU64,
    told_to_wait: AtomicU64,
    server_errors: AtomicU64,
    pushes: AtomicU64,
    pulls: AtomicU64,
}

/// A proxy in front of one server: most connections piped through, some broken on purpose.
async fn proxy(listener: TcpListener, upstream: String, counters: Arc<Counters>, seed: u64) {
    let rng = Arc::new(Mutex::new(SplitMix(seed)));
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        let fate = rng.lock().unwrap().next() as f64 / u64::MAX as f64;
        let (upstream, counters) = (upstream.clone(), counters.clone());
        counters.connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let reset = |s: TcpStream| {
                // A zero linger closes with a reset at once (it never blocks: there is no wait).
                #[allow(deprecated)]
                let _ = s.set_linger(Some(Duration::ZERO));
                drop(s);
            };
            if fate < FAULTS / 2.0 {
                counters.reset_before.fetch_add(1, Ordering::Relaxed);
                return reset(client);
            }
            let Ok(mut server) = TcpStream::connect(&upstream).await else { return reset(client) };
            let mut client = client;
            if fate < FAULTS {
                // The request goes through and is answered; the answer is thrown away.
                counters.answer_lost.fetch_add(1, Ordering::Relaxed);
                let (mut from_client, _) = client.split();
                let (mut from_server, mut to_server) = server.split();
                let forward = tokio::io::copy(&mut from_client, &mut to_server);
                let mut sink = Vec::new();
                tokio::select! {
                    _ = from_server.read_to_end(&mut sink) => {}
                    _ = forward => { let _ = from_server.read_to_end(&mut sink).await; }
                }
                return reset(client);
            }
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        });
    }
}

/// A scan a device will make: when (ms after the start) and which ticket.
struct Scan {
    at_ms: u64,
    ticket: usize,
}

struct Shared {
    event: EventId,
    tickets: Vec<IssuedTicket>,
    start: Instant,
    counters: Arc<Counters>,
    /// Set when the doors have closed: devices then run until they hold the server's last sequence.
    converge: AtomicBool,
    target_seq: AtomicU64,
    /// Set when catching up took too long: the devices stop and the run fails.
    give_up: AtomicBool,
}

struct DeviceResult {
    id: u32,
    made: BTreeSet<u64>,
    accepted: BTreeSet<(u32, u32, u64)>,
    push_ms: Vec<f64>,
    settle_ms: Vec<f64>,
    conflicts: usize,
    caught_up: bool,
}

/// Why a request did not come back with 200.
enum Failure {
    /// Refused, reset, cut or timed out: the network or a server that is down.
    Network,
    /// 429 and the server's Retry-After.
    Wait(Option<u64>),
    /// 5xx.
    Server(Option<u64>),
}

async fn call(addr: &str, token: &str, method: &str, path: &str, body: &[u8]) -> Result<loopback::Answer, Failure> {
    let sent = tokio::time::timeout(
        Duration::from_millis(SyncConfig::default().request_timeout_ms),
        loopback::request(addr, method, path, token, exchange::MEDIA_TYPE, body),
    )
    .await;
    let Ok(Ok(a)) = sent else { return Err(Failure::Network) };
    let retry_after = a.header("retry-after").and_then(|s| s.parse::<u64>().ok()).map(|s| s * 1000);
    match a.status {
        200 => Ok(a),
        429 => Err(Failure::Wait(retry_after)),
        s if s >= 500 => Err(Failure::Server(retry_after)),
        s => panic!("unexpected {s} for {method} {path}: {}", String::from_utf8_lossy(&a.body)),
    }
}

async fn device(shared: Arc<Shared>, id: u32, token: String, addr: String, plan: Vec<Scan>, seed: u64) -> DeviceResult {
    let counters = shared.counters.clone();
    let mut session = SyncSession::new(DeviceId(id), SyncConfig::default(), 0, 0, seed);
    let mut next = 0;
    let mut made = BTreeSet::new();
    let mut enqueued_at: HashMap<u64, Instant> = HashMap::new();
    let (mut push_ms, mut settle_ms) = (Vec::new(), Vec::new());
    let mut caught_up = true;
    loop {
        let elapsed = shared.start.elapsed().as_millis() as u64;
        while next < plan.len() && plan[next].at_ms <= elapsed {
            let t = &shared.tickets[plan[next].ticket];
            let scan = next as u64 + 1;
            next += 1;
            let at = now_ms();
            let inside = session.ledger().presence(t.id, false).check(Movement::Entry, false).is_err();
            let record = if inside {
                CheckIn {
                    device: DeviceId(id),
                    scan_id: ScanId(scan),
                    event: shared.event,
                    ticket: Some(t.id),
                    gate: GateId(0),
                    staff: "soak".into(),
                    at: UnixMillis(at),
                    movement: Movement::Entry,
                    result: ScanResult::Refused(RefusalKind::AlreadyCheckedIn),
                    proof: Proof::None,
                }
            } else {
                admission(shared.event, id, scan, t, at)
            };
            made.insert(scan);
            enqueued_at.insert(scan, Instant::now());
            session.enqueue(record);
        }
        while let Some(tx) = session.poll_transmit(UnixMillis(now_ms())) {
            let reply = match tx {
                Transmit::Push { id: rid, records } => {
                    counters.pushes.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    match call(&addr, &token, "POST", "/api/checkins", &exchange::encode_checkins(&records)).await {
                        Ok(a) => {
                            push_ms.push(t.elapsed().as_secs_f64() * 1e3);
                            let (server_time, results) = exchange::decode_results(&a.body).expect("results");
                            Reply::Pushed { id: rid, server_time, results }
                        }
                        Err(e) => failed(&counters, rid, e),
                    }
                }
                Transmit::Pull { id: rid, revision, seq } => {
                    counters.pulls.fetch_add(1, Ordering::Relaxed);
                    let path = format!("/api/admissions?since={seq}&pending={}", session.pending());
                    match call(&addr, &token, "GET", &path, &[]).await {
                        Ok(a) => {
                            let epoch = a.header("x-ingia-epoch").and_then(|e| e.parse().ok());
                            let (server_time, seq, admissions) =
                                exchange::decode_admissions(&a.body).expect("admissions");
                            Reply::Pulled { id: rid, server_time, revision, seq, admissions, epoch }
                        }
                        Err(e) => failed(&counters, rid, e),
                    }
                }
            };
            session.handle_reply(UnixMillis(now_ms()), reply);
            while let Some(ev) = session.poll_event() {
                if let SyncEvent::Settled { record, .. } = ev {
                    if let Some(t) = enqueued_at.remove(&record.scan_id.0) {
                        settle_ms.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                }
            }
        }
        let converging = shared.converge.load(Ordering::Acquire);
        if converging
            && next == plan.len()
            && session.pending() == 0
            && session.cursors().1 >= shared.target_seq.load(Ordering::Acquire)
        {
            break;
        }
        if converging {
            // Doors closed: what a gate does when the network returns (try now, not after the backoff).
            session.network_up(UnixMillis(now_ms()));
        }
        let until_scan =
            plan.get(next).map_or(u64::MAX, |s| s.at_ms.saturating_sub(shared.start.elapsed().as_millis() as u64));
        let until_timeout = session.poll_timeout().map_or(u64::MAX, |t| t.0.saturating_sub(now_ms()));
        let pause = until_scan.min(until_timeout).clamp(5, if converging { 500 } else { 1_000 });
        tokio::time::sleep(Duration::from_millis(pause)).await;
        if shared.give_up.load(Ordering::Acquire) {
            caught_up = false;
            break;
        }
    }
    let accepted = session
        .ledger()
        .entries()
        .filter(|e| matches!(e.standing, Standing::Accepted { .. }))
        .map(|e| (e.ticket.0, e.device.0, e.scan_id.0))
        .collect();
    DeviceResult { id, made, accepted, push_ms, settle_ms, conflicts: session.conflicts().len(), caught_up }
}

fn failed(counters: &Counters, id: ingia_core::sync::RequestId, why: Failure) -> Reply {
    counters.failed_requests.fetch_add(1, Ordering::Relaxed);
    let retry_after_ms = match why {
        Failure::Network => None,
        Failure::Wait(after) => {
            counters.told_to_wait.fetch_add(1, Ordering::Relaxed);
            after
        }
        Failure::Server(after) => {
            counters.server_errors.fetch_add(1, Ordering::Relaxed);
            after
        }
    };
    Reply::Failed { id, retry_after_ms }
}

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// When each attendee arrives, as a share of the doors' time: most in a peak after the doors
/// open, the rest spread over the whole time, the last before nine tenths of it.
fn arrival(rng: &mut SplitMix) -> f64 {
    let u = rng.next() as f64 / u64::MAX as f64;
    if rng.chance(0.6) {
        0.1 + 0.25 * u
    } else {
        0.9 * u
    }
}

struct Outcome {
    name: String,
    devices: usize,
    records: usize,
    admitted: i64,
    conflicts: usize,
    secs: f64,
    push_p50: f64,
    push_p99: f64,
    settle_p50: f64,
    settle_p99: f64,
    cpu_secs: f64,
    counters: Arc<Counters>,
    kills: usize,
}

async fn soak(args: &Args, name: &str, url: String, instances: usize) -> Outcome {
    let server_bin = std::env::var("INGIA_SERVER_BIN").map(std::path::PathBuf::from).unwrap_or_else(|_| {
        let exe = std::env::current_exe().unwrap();
        exe.parent().and_then(|p| p.parent()).unwrap().join("ingia-server")
    });
    assert!(server_bin.exists(), "{} missing: cargo build -p ingia-server first", server_bin.display());
    let (master, issuing) = (hex(&random_bytes::<32>()), hex(&random_bytes::<32>()));
    let keys =
        Keys { master: MasterKey::from_hex(&master).unwrap(), issuing: Some(IssuingKey::from_hex(&issuing).unwrap()) };
    let db = Db::connect(&url).await.expect("database");
    let attendees_n = args.devices * args.scans;
    let (event, devs, issued) = event_with_gates(&db, &keys, attendees_n, args.devices).await;

    let counters = Arc::new(Counters::default());
    let dir = std::env::temp_dir().join(format!("ingia-soak-{}", hex(&random_bytes::<4>())));
    let mut servers: Vec<Instance> = (0..instances)
        .map(|_| Instance {
            bin: server_bin.clone(),
            url: url.clone(),
            port: free_port(),
            dir: dir.clone(),
            keys: (master.clone(), issuing.clone()),
            child: None,
            spent_ticks: 0,
        })
        .collect();
    let mut fronts = Vec::new();
    for (i, s) in servers.iter_mut().enumerate() {
        s.start();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        fronts.push(listener.local_addr().unwrap().to_string());
        tokio::spawn(proxy(listener, format!("127.0.0.1:{}", s.port), counters.clone(), 0x50a6 + i as u64));
    }

    // Every attendee once, in arrival order, at a device of the fleet; a few present a ticket
    // another already presented.
    let mut rng = SplitMix(0x1a605 ^ args.devices as u64);
    let doors_ms = args.secs * 1000;
    let mut plans: Vec<Vec<Scan>> = (0..args.devices).map(|_| Vec::new()).collect();
    for k in 0..attendees_n {
        let ticket = if k > 0 && rng.chance(SHARED) { rng.below(k as u64) as usize } else { k };
        let at_ms = (arrival(&mut rng) * doors_ms as f64) as u64;
        plans[rng.below(args.devices as u64) as usize].push(Scan { at_ms, ticket });
    }
    for p in &mut plans {
        p.sort_by_key(|s| s.at_ms);
    }
    let records: usize = plans.iter().map(Vec::len).sum();
    let shared = Arc::new(Shared {
        event,
        tickets: issued,
        start: Instant::now(),
        counters: counters.clone(),
        converge: AtomicBool::new(false),
        target_seq: AtomicU64::new(u64::MAX),
        give_up: AtomicBool::new(false),
    });
    let mut tasks = Vec::new();
    for (i, ((id, token), plan)) in devs.into_iter().zip(plans).enumerate() {
        let addr = fronts[i % instances].clone();
        tasks.push(tokio::spawn(device(shared.clone(), id, token, addr, plan, rng.next())));
    }

    // The doors: two kills, in the peak and after it (PostgreSQL: one of each instance).
    let mut kills = 0;
    for (share, which) in [(0.25, 0), (0.6, instances - 1)] {
        let at = Duration::from_millis((doors_ms as f64 * share) as u64);
        tokio::time::sleep(at.saturating_sub(shared.start.elapsed())).await;
        servers[which].kill();
        kills += 1;
        println!("  {:>5.1} s: server {which} killed (SIGKILL)", shared.start.elapsed().as_secs_f64());
        tokio::time::sleep(DOWN).await;
        servers[which].start();
        println!("  {:>5.1} s: server {which} started again", shared.start.elapsed().as_secs_f64());
    }
    tokio::time::sleep(Duration::from_millis(doors_ms).saturating_sub(shared.start.elapsed())).await;
    let doors = shared.start.elapsed().as_secs_f64();

    // Doors closed: every device catches up with the server's last sequence.
    let last_seq = || async {
        sqlx::query("SELECT last_seq FROM events WHERE id = $1")
            .bind(ingia_server::db::event_key(event))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get::<i64, _>("last_seq") as u64
    };
    shared.converge.store(true, Ordering::Release);
    let catch_up = Instant::now();
    let watch = {
        let shared = shared.clone();
        let db = db.clone();
        tokio::spawn(async move {
            loop {
                let seq = sqlx::query("SELECT last_seq FROM events WHERE id = $1")
                    .bind(ingia_server::db::event_key(event))
                    .fetch_one(&db.pool)
                    .await
                    .unwrap()
                    .get::<i64, _>("last_seq") as u64;
                shared.target_seq.store(seq, Ordering::Release);
                if catch_up.elapsed() > Duration::from_secs(180) {
                    shared.give_up.store(true, Ordering::Release);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    watch.abort();
    let secs = doors + catch_up.elapsed().as_secs_f64();
    let cpu_secs: f64 = servers.iter().map(Instance::cpu_secs).sum();
    for s in &mut servers {
        s.kill();
    }

    // The invariants.
    let behind: Vec<u32> = results.iter().filter(|r| !r.caught_up).map(|r| r.id).collect();
    assert!(behind.is_empty(), "{name}: devices {behind:?} did not catch up within 180 s of the doors closing");
    let rows = sqlx::query("SELECT device_id, scan_id, ticket_id, outcome FROM checkins WHERE event_id = $1")
        .bind(ingia_server::db::event_key(event))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let mut on_server: BTreeMap<u32, BTreeSet<u64>> = BTreeMap::new();
    let mut accepted = BTreeSet::new();
    let mut entries: BTreeMap<u32, usize> = BTreeMap::new();
    for r in &rows {
        let (device, scan) = (r.get::<i64, _>("device_id") as u32, r.get::<i64, _>("scan_id") as u64);
        assert!(on_server.entry(device).or_default().insert(scan), "{name}: device {device} scan {scan} stored twice");
        if r.get::<String, _>("outcome") == "accepted" {
            let ticket = r.get::<Option<i64>, _>("ticket_id").unwrap() as u32;
            *entries.entry(ticket).or_default() += 1;
            accepted.insert((ticket, device, scan));
        }
    }
    assert_eq!(rows.len(), records, "{name}: every record on the server, once");
    let doubled: Vec<_> = entries.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "{name}: tickets admitted twice: {doubled:?}");
    for r in &results {
        assert_eq!(on_server.get(&r.id).cloned().unwrap_or_default(), r.made, "{name}: device {} lost records", r.id);
        assert_eq!(r.accepted, accepted, "{name}: device {}'s ledger differs from the server's", r.id);
    }
    assert_eq!(last_seq().await, accepted.len() as u64, "{name}: no admission beyond the accepted ones");
    let mut push: Vec<f64> = results.iter().flat_map(|r| r.push_ms.iter().copied()).collect();
    let mut settle: Vec<f64> = results.iter().flat_map(|r| r.settle_ms.iter().copied()).collect();
    push.sort_by(|a, b| a.partial_cmp(b).unwrap());
    settle.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Outcome {
        name: name.to_string(),
        devices: args.devices,
        records,
        admitted: accepted.len() as i64,
        conflicts: results.iter().map(|r| r.conflicts).sum(),
        secs,
        push_p50: percentile(&push, 0.5),
        push_p99: percentile(&push, 0.99),
        settle_p50: percentile(&settle, 0.5),
        settle_p99: percentile(&settle, 0.99),
        cpu_secs,
        counters,
        kills,
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let mut runs = vec![("SQLite (WAL file)".to_string(), None, 1)];
    match &args.postgres {
        Some(url) => runs.push(("PostgreSQL 15 (loopback), 2 instances".to_string(), Some(url.clone()), 2)),
        None => println!("no --postgres URL or INGIA_BENCH_PG_URL: PostgreSQL skipped"),
    }
    let mut lines = Vec::new();
    for (name, admin, instances) in runs {
        let url = match admin {
            None => {
                let dir = std::env::temp_dir().join(format!("ingia-soak-db-{}", hex(&random_bytes::<4>())));
                std::fs::create_dir_all(&dir).unwrap();
                format!("sqlite://{}", dir.join("soak.db").display())
            }
            Some(admin) => {
                sqlx::any::install_default_drivers();
                let db = format!("ingia_soak_{}", hex(&random_bytes::<4>()));
                let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("PostgreSQL");
                sqlx::Executor::execute(&mut c, format!("CREATE DATABASE {db}").as_str()).await.unwrap();
                format!("{}/{db}", admin.rsplit_once('/').unwrap().0)
            }
        };
        println!("{name}: {} devices, {} scans each, {} s of doors", args.devices, args.scans, args.secs);
        let o = soak(&args, &name, url, instances).await;
        let c = &o.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let line = format!(
            "| {} | {} | {} | {} | {} | {:.0} | {:.0} / {:.0} | {:.0} / {:.0} | {} of {} ({} reset, {} answers lost) | {} ({} told to wait, {} server errors) | {:.1} |",
            o.name,
            o.devices,
            o.records,
            o.admitted,
            o.conflicts,
            o.secs,
            o.push_p50,
            o.push_p99,
            o.settle_p50,
            o.settle_p99,
            load(&c.reset_before) + load(&c.answer_lost),
            load(&c.connections),
            load(&c.reset_before),
            load(&c.answer_lost),
            load(&c.failed_requests),
            load(&c.told_to_wait),
            load(&c.server_errors),
            o.cpu_secs * 1e3 / o.records as f64,
        );
        println!(
            "{line}\n  {} pushes, {} pulls, {} kills and restarts; nothing lost, nothing admitted twice, every ledger equals the server's",
            load(&c.pushes),
            load(&c.pulls),
            o.kills
        );
        lines.push(line);
    }
    if args.write {
        report::write_section(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
            "soak",
            &format!(
                "## Fleet soak (ingia-server)\n\n\
                 Command: `bash scripts/bench.sh` (or `cargo run --release -p ingia-server --example fleet_soak -- --secs {} --write`)  \n\
                 Measured: {} on {}, release build.  \n\
                 {} gate devices (the core's `SyncSession`, as the phones run it) sync over loopback HTTP with real server processes through {} s of doors: \
                 {} scans each, 60% of the arrivals in a peak a tenth of the way in, {:.0}% presenting a ticket already shown elsewhere. A proxy in front of each \
                 server resets {:.1}% of the connections before the request and throws away {:.1}% of the answers after the server did the work; each \
                 server is killed with SIGKILL and started again {} s later, twice in all (PostgreSQL: one kill per instance, devices split between them). \
                 After the doors every device catches up, and the run checks that every record is on the server once, no ticket is admitted twice and \
                 every device's ledger equals the server's (it stops with the difference otherwise). Push latency is per request that came back; scan to \
                 settled is from the record's making to the server's answer reaching the device (retries, kills and backoff included). Server CPU is \
                 user + system time of every server process, per record.\n\n\
                 | backend | devices | records | admitted | conflicts | s | push p50 / p99 ms | scan to settled p50 / p99 ms | connections broken | failed requests | server CPU ms per record |\n\
                 |---|---|---|---|---|---|---|---|---|---|---|\n{}\n\n\
                 For comparison, pretix's redeem API (pretixSCAN's online check-in: one request per scan) measured on this machine: 4.4-8.8 redeems per \
                 second and 113-149 ms of server CPU per redeem.\n",
                args.secs,
                report::today(),
                report::machine(),
                args.devices,
                args.secs,
                args.scans,
                SHARED * 100.0,
                FAULTS * 50.0,
                FAULTS * 50.0,
                DOWN.as_secs(),
                lines.join("\n")
            ),
        );
    }
}
