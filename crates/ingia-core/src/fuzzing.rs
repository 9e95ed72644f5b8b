//! One harness for the parsers, shared by the `cargo fuzz` targets (fuzz/) and the ordinary
//! random-input test, so both exercise exactly the same code.
//! Invariant: for any input, nothing here panics, and nothing malformed is admitted.

use alloc::string::String;
use std::sync::OnceLock;

use crate::checkin::{CheckIn, Movement};
use crate::ids::UnixMillis;
use crate::ledger::{Ledger, LedgerEntry};
use crate::manifest::{Manifest, ManifestDelta};
use crate::sample::{sample_event, SampleEvent, MAIN_GATE, SAMPLE_DOORS};
use crate::token::{TicketToken, TEXT_PREFIX};
use crate::verdict::{validate, Presented, Scan};

fn sample() -> &'static SampleEvent {
    static EV: OnceLock<SampleEvent> = OnceLock::new();
    EV.get_or_init(|| sample_event(1, 50))
}

/// Feeds `data` to every parser: as token bytes, as QR text (raw and behind the prefix), as a
/// PIN, as a stored check-in or ledger entry, and as manifest bytes. Panics only if an invariant breaks.
pub fn exercise_parsers(data: &[u8]) {
    let ev = sample();
    let now = UnixMillis::from_secs(u64::from(SAMPLE_DOORS) + 3_600);
    if let Ok(token) = TicketToken::from_bytes(data) {
        // Whatever parses must re-encode to the same bytes (one encoding per token).
        assert_eq!(token.to_bytes(), data);
    }
    let text = String::from_utf8_lossy(data);
    let prefixed = alloc::format!("{TEXT_PREFIX}{text}");
    for t in [text.as_ref(), prefixed.as_str()] {
        let scan = Scan { presented: Presented::Qr(t), movement: Movement::Entry };
        let verdict = validate(&scan, &ev.manifest, &Ledger::new(), MAIN_GATE, now);
        // Random bytes never carry a valid signature of the sample event.
        assert!(!verdict.is_admit(), "random input admitted");
        let pin = Scan { presented: Presented::Pin(t), movement: Movement::Entry };
        let _ = validate(&pin, &ev.manifest, &Ledger::new(), MAIN_GATE, now);
    }
    if let Ok(record) = CheckIn::decode(data) {
        assert_eq!(record.encode(), data);
    }
    if let Ok(entry) = LedgerEntry::decode(data) {
        assert_eq!(entry.encode(), data);
    }
    if let Ok(delta) = ManifestDelta::decode(data) {
        let _ = delta.encode();
        let _ = Manifest::from_delta(delta);
    }
}
