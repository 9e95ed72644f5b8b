//! Test fixtures: a fresh database per test (SQLite file, or a new PostgreSQL database when
//! INGIA_TEST_DATABASE_URL points at a server), an issued event, paired devices, and calls
//! into the app without a socket.
#![allow(dead_code)]

pub mod at;
pub mod console;
pub mod live;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use ingia_core::rotating::{current_code, DEFAULT_STEP_SECS};
use ingia_core::{
    CheckIn, DeviceId, EventId, GateId, Movement, Presented, Refusal, ScanId, TicketId, TicketToken, UnixMillis,
    Verdict,
};
use ingia_server::devices::{self, Role};
use ingia_server::events::{self, NewEvent};
use ingia_server::secrets::{IssuingKey, Keys, MasterKey};
use ingia_server::tickets::{self, IssuedTicket};
use ingia_server::util::{hex, random_bytes};
use ingia_server::{app, attendees, AppState, Db};
use serde_json::Value;
use tower::ServiceExt;

/// A database URL for a fresh, empty database.
pub async fn fresh_database_url() -> String {
    match std::env::var("INGIA_TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let name = format!("ingia_test_{}", hex(&random_bytes::<6>()));
            let mut conn =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("PostgreSQL reachable");
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("ingia-test-{}", hex(&random_bytes::<6>())));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("ingia.db").display())
        }
    }
}

pub async fn fresh_db() -> Db {
    Db::connect(&fresh_database_url().await).await.expect("database")
}

/// This test process's master key, as the 64 hexadecimal characters `INGIA_MASTER_KEY` takes
/// (the server processes a test starts get it that way).
pub fn master_hex() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| hex(&random_bytes::<32>()))
}

/// Tests use an explicit key, as a deployment with INGIA_MASTER_KEY would: one per process.
pub fn master() -> MasterKey {
    MasterKey::from_hex(master_hex()).unwrap()
}

/// This test process's issuing key (`INGIA_ISSUING_KEY`), one per process like the master key.
pub fn issuing_hex() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| hex(&random_bytes::<32>()))
}

/// The keys of a server that issues: the master key and the issuing key.
pub fn keys() -> Keys {
    Keys { master: master(), issuing: Some(IssuingKey::from_hex(issuing_hex()).unwrap()) }
}

#[derive(Clone)]
pub struct Event {
    pub id: EventId,
    pub organizer_token: String,
    pub tickets: Vec<IssuedTicket>,
}

pub const MAIN: GateId = GateId(0);
pub const VIP: GateId = GateId(1);

/// An event happening now: gates Main and VIP; types General (code), VIP (code, re-entry, VIP
/// gate), Printed; `n` attendees, every ticket issued.
pub async fn event(db: &Db, keys: &Keys, n: usize) -> Event {
    let now = (ingia_server::util::now_ms() / 1000) as i64;
    let created = events::create_event(
        db,
        keys,
        &NewEvent {
            name: "Test night".into(),
            venue: "Hall".into(),
            starts_secs: now - 600,
            ends_secs: now + 3600,
            time_zone: "Africa/Lagos".into(),
            doors_secs: now - 3600,
            close_secs: now + 7200,
            gates: vec!["Main".into(), "VIP".into()],
            types: vec![
                "General:code".parse().unwrap(),
                "VIP:code,reentry,gates=VIP".parse().unwrap(),
                "Printed".parse().unwrap(),
            ],
            capacity: 1000,
        },
    )
    .await
    .unwrap();
    let csv = attendees::sample_attendees_csv(n, 0, |i| format!("Guest {i}"));
    let report = attendees::import_csv(db, created.id, csv.as_bytes(), false).await.unwrap();
    assert!(report.bad.is_empty());
    let tickets = tickets::issue_pending(db, keys, created.id).await.unwrap();
    Event { id: created.id, organizer_token: created.organizer_token, tickets }
}

/// Pairs a device and returns (device id, token).
pub async fn device(db: &Db, event: EventId, gate: GateId, role: Role) -> (u32, String) {
    let p = devices::create_pairing(db, "cli", event, gate, role, 3_600_000).await.unwrap();
    let (auth, token) = devices::redeem(db, &p.code, "test phone").await.unwrap();
    (auth.device.0, token)
}

pub fn router(db: &Db) -> axum::Router {
    app(AppState::new(db.clone(), keys(), None)).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))))
}

/// Calls the app: returns status and the body as JSON (or as a string value when not JSON).
pub async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, bytes) = call_raw(router, method, uri, token, body.map(|b| b.to_string().into_bytes())).await;
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

pub async fn call_raw(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> (StatusCode, Vec<u8>) {
    let (status, _, bytes) = call_typed(router, method, uri, token, "application/json", body).await;
    (status, bytes)
}

/// Calls the app with a body of `media_type` (and `Accept` of it): status, the answer's
/// content type, and its bytes.
pub async fn call_typed(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    media_type: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri).header("accept", media_type);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header("content-type", media_type);
    }
    let req = req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, content_type, bytes)
}

/// A check-in record as JSON, the way the scanner sends it: an admission of one of the event's
/// tickets carries the proof a gate makes of it scanned from the holder's phone (its live code
/// at `at`); a refusal, or a ticket the event does not have, carries none.
pub fn record(device: u32, scan: u64, ev: &Event, ticket: Option<u32>, gate: GateId, admitted: bool, at: u64) -> Value {
    moving(device, scan, ev, ticket, gate, admitted, at, Movement::Entry)
}

/// [`record`] for either movement.
#[allow(clippy::too_many_arguments)]
pub fn moving(
    device: u32,
    scan: u64,
    ev: &Event,
    ticket: Option<u32>,
    gate: GateId,
    admitted: bool,
    at: u64,
    movement: Movement,
) -> Value {
    let verdict = match (admitted, ticket) {
        (true, Some(t)) => Verdict::Admit { ticket: TicketId(t), movement, reentry: false },
        _ => Verdict::Refuse { ticket: ticket.map(TicketId), reason: Refusal::Forged },
    };
    let shown = ticket.and_then(|t| ev.tickets.iter().find(|i| i.id.0 == t)).map(|i| {
        let signed = TicketToken::parse(&i.credential).unwrap().signed;
        signed.with_code(current_code(&i.code_secret, UnixMillis(at), DEFAULT_STEP_SECS)).to_text()
    });
    let mut record = CheckIn::from_verdict(
        DeviceId(device),
        ScanId(scan),
        ev.id,
        gate,
        "Ada",
        UnixMillis(at),
        movement,
        &verdict,
        Presented::Qr(shown.as_deref().unwrap_or("")),
        6,
    );
    if admitted && ticket.is_none() {
        record.result = ingia_core::ScanResult::Admitted;
    }
    serde_json::to_value(&record).unwrap()
}

/// aiosmtpd on a free loopback port, delivering into a maildir.
pub struct Smtp {
    child: std::process::Child,
    pub port: u16,
    maildir: std::path::PathBuf,
}

impl Smtp {
    pub fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = std::env::temp_dir()
            .join(format!("ingia-mail-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<6>())));
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh smtp installs it)");
        // Dropped (and so killed and waited for) whether it starts or not.
        let smtp = Smtp { child, port, maildir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return smtp;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start");
    }

    pub fn mails(&self) -> Vec<String> {
        let dir = self.maildir.join("new");
        let mut out: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
