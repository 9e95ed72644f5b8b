//! What the server's benchmark programs share: an event with its tickets and paired gates, an
//! admission as a gate records it, and percentiles. Included with `#[path]` by each.

use ingia_core::rotating::{current_code, DEFAULT_STEP_SECS};
use ingia_core::{CheckIn, DeviceId, EventId, GateId, Movement, Presented, ScanId, TicketToken, UnixMillis, Verdict};
use ingia_server::devices::{self, Role};
use ingia_server::events::{self, NewEvent};
use ingia_server::secrets::Keys;
use ingia_server::tickets::IssuedTicket;
use ingia_server::{attendees, tickets, Db};

/// An event happening now (one gate, one ticket type by live code) with `n` issued tickets and
/// `gates` paired steward devices: (event, [(device id, token)], tickets).
#[allow(dead_code)] // not every program that includes this file makes its own event
pub async fn event_with_gates(
    db: &Db,
    keys: &Keys,
    n: usize,
    gates: usize,
) -> (EventId, Vec<(u32, String)>, Vec<IssuedTicket>) {
    let now = (ingia_server::util::now_ms() / 1000) as i64;
    let ev = events::create_event(
        db,
        keys,
        &NewEvent {
            name: "Bench".into(),
            venue: "Loopback".into(),
            starts_secs: now - 60,
            ends_secs: now + 4 * 3600,
            time_zone: "UTC".into(),
            doors_secs: now - 4 * 3600,
            close_secs: now + 5 * 3600,
            gates: vec!["Main".into()],
            types: vec!["General:code".parse().unwrap()],
            capacity: n,
        },
    )
    .await
    .expect("event");
    let mut csv = String::from("name,ticket_type\n");
    for i in 0..n {
        csv.push_str(&format!("Guest {i},General\n"));
    }
    attendees::import_csv(db, ev.id, csv.as_bytes(), false).await.expect("import");
    let issued = tickets::issue_pending(db, keys, ev.id).await.expect("issue");
    let mut devs = Vec::new();
    for _ in 0..gates {
        let p = devices::create_pairing(db, "cli", ev.id, GateId(0), Role::Steward, 60_000).await.unwrap();
        let (auth, token) = devices::redeem(db, &p.code, "bench").await.unwrap();
        devs.push((auth.device.0, token));
    }
    (ev.id, devs, issued)
}

/// An admission as a gate records it: the ticket's live code scanned at `at`, with its proof.
pub fn admission(event: EventId, device: u32, scan: u64, ticket: &IssuedTicket, at: u64) -> CheckIn {
    let code = current_code(&ticket.code_secret, UnixMillis(at), DEFAULT_STEP_SECS);
    let text = TicketToken::parse(&ticket.credential).unwrap().signed.with_code(code).to_text();
    let verdict = Verdict::Admit { ticket: ticket.id, movement: Movement::Entry, reentry: false };
    CheckIn::from_verdict(
        DeviceId(device),
        ScanId(scan),
        event,
        GateId(0),
        "bench",
        UnixMillis(at),
        Movement::Entry,
        &verdict,
        Presented::Qr(&text),
        8,
    )
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
