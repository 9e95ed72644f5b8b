//! What the server's benchmark programs share: an admission as a gate records it, and
//! percentiles. Included with `#[path]` by each.

use ingia_core::rotating::{current_code, DEFAULT_STEP_SECS};
use ingia_core::{CheckIn, DeviceId, EventId, GateId, Movement, Presented, ScanId, TicketToken, UnixMillis, Verdict};
use ingia_server::tickets::IssuedTicket;

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
