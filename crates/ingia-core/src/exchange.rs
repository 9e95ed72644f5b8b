//! The scanner's sync traffic on the wire: one compact, versioned binary encoding for the three
//! messages of a sync round (check-ins up, their outcomes down, other gates' admissions down),
//! beside the manifest's (`IGM`). Byte layout in docs/api.md; the server, the engine and any
//! tool read these functions and nothing else.
//! Invariant: decoding never panics and never allocates more than the input can hold; every
//! message starts with its three-byte magic and a version byte.

use alloc::vec::Vec;

use crate::checkin::CheckIn;
use crate::conflict::{ItemResult, SyncOutcome};
use crate::ids::{DeviceId, GateId, ScanId, UnixMillis};
use crate::ledger::LedgerEntry;
use crate::manifest::TicketStatus;
use crate::presence::Stamp;
use crate::proof::Doubt;
use crate::wire::{Sticky, WireError, Writer};

/// The media type of every message here.
pub const MEDIA_TYPE: &str = "application/octet-stream";

/// Version 2: check-in records carry their proof (record version 2); outcomes may be doubted
/// or annulled; admissions may come back rejected (annulled by the organizer).
const VERSION: u8 = 2;
const CHECKINS: &[u8; 3] = b"IGC";
const RESULTS: &[u8; 3] = b"IGR";
const ADMISSIONS: &[u8; 3] = b"IGA";

fn header(magic: &[u8; 3]) -> Writer {
    let mut w = Writer::new();
    w.bytes(magic).u8(VERSION);
    w
}

fn open<'a>(bytes: &'a [u8], magic: &[u8; 3], what: &'static str) -> Sticky<'a> {
    let mut r = Sticky::new(bytes);
    if r.take(3) != magic {
        r.fail(WireError::BadValue(what));
    } else if r.u8() != VERSION {
        r.fail(WireError::BadValue("exchange version"));
    }
    r
}

/// `n` items of at least `min` bytes each, each read by `item`; stops at the first error.
fn items<T>(r: &mut Sticky<'_>, min: usize, mut item: impl FnMut(&mut Sticky<'_>) -> Result<T, WireError>) -> Vec<T> {
    let n = r.count(min);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match item(r) {
            Ok(v) => out.push(v),
            Err(e) => {
                r.fail(e);
                break;
            }
        }
    }
    out
}

/// A push: the records of one batch, each in its own (versioned) record encoding.
pub fn encode_checkins(records: &[CheckIn]) -> Vec<u8> {
    let mut w = header(CHECKINS);
    w.varint(records.len() as u64);
    for r in records {
        let bytes = r.encode();
        w.varint(bytes.len() as u64).bytes(&bytes);
    }
    w.into_bytes()
}

pub fn decode_checkins(bytes: &[u8]) -> Result<Vec<CheckIn>, WireError> {
    let mut r = open(bytes, CHECKINS, "check-ins magic");
    let out = items(&mut r, 2, |r| CheckIn::decode(r.bytes()));
    r.finish(out)
}

/// The server's answer to a push: its clock, then one result per record, in the push's order.
pub fn encode_results(server_time: UnixMillis, results: &[ItemResult]) -> Vec<u8> {
    let mut w = header(RESULTS);
    w.varint(server_time.0).varint(results.len() as u64);
    for item in results {
        w.varint(u64::from(item.device.0)).varint(item.scan_id.0).u8(u8::from(item.duplicate));
        match item.outcome {
            SyncOutcome::Accepted { seq } => w.u8(0).varint(seq),
            SyncOutcome::Conflict { winner } => {
                w.u8(1).varint(winner.at.0).u8(winner.gate.0).varint(u64::from(winner.device.0))
            }
            SyncOutcome::Recorded => w.u8(2),
            SyncOutcome::Unknown => w.u8(3),
            SyncOutcome::Revoked { status } => w.u8(4).u8(status.code()),
            SyncOutcome::Doubted { doubt } => w.u8(5).u8(doubt.code()),
            SyncOutcome::Annulled => w.u8(6),
        };
    }
    w.into_bytes()
}

pub fn decode_results(bytes: &[u8]) -> Result<(UnixMillis, Vec<ItemResult>), WireError> {
    let mut r = open(bytes, RESULTS, "results magic");
    let server_time = UnixMillis(r.varint());
    let out = items(&mut r, 4, |r| {
        let device = DeviceId(r.u32());
        let scan_id = ScanId(r.varint());
        let duplicate = r.flag();
        let outcome = match r.u8() {
            0 => SyncOutcome::Accepted { seq: r.varint() },
            1 => SyncOutcome::Conflict {
                winner: Stamp { at: UnixMillis(r.varint()), gate: GateId(r.u8()), device: DeviceId(r.u32()) },
            },
            2 => SyncOutcome::Recorded,
            3 => SyncOutcome::Unknown,
            4 => SyncOutcome::Revoked { status: r.code(TicketStatus::from_code, "status") },
            5 => SyncOutcome::Doubted { doubt: r.code(Doubt::from_code, "doubt") },
            6 => SyncOutcome::Annulled,
            _ => return Err(WireError::BadValue("outcome")),
        };
        Ok(ItemResult { device, scan_id, outcome, duplicate })
    });
    r.finish((server_time, out))
}

/// Accepted movements after a cursor: the server's clock, the next cursor, then the entries in
/// acceptance order (each in the ledger's entry encoding).
pub fn encode_admissions(server_time: UnixMillis, next_seq: u64, entries: &[LedgerEntry]) -> Vec<u8> {
    let mut w = header(ADMISSIONS);
    w.varint(server_time.0).varint(next_seq).varint(entries.len() as u64);
    for e in entries {
        let bytes = e.encode();
        w.varint(bytes.len() as u64).bytes(&bytes);
    }
    w.into_bytes()
}

pub fn decode_admissions(bytes: &[u8]) -> Result<(UnixMillis, u64, Vec<LedgerEntry>), WireError> {
    let mut r = open(bytes, ADMISSIONS, "admissions magic");
    let server_time = UnixMillis(r.varint());
    let next_seq = r.varint();
    let out = items(&mut r, 2, |r| LedgerEntry::decode(r.bytes()));
    r.finish((server_time, next_seq, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkin::{Movement, ScanResult};
    use crate::ids::{EventId, TicketId};
    use crate::ledger::Standing;
    use crate::verdict::RefusalKind;

    fn record(scan: u64, result: ScanResult) -> CheckIn {
        CheckIn {
            device: DeviceId(7),
            scan_id: ScanId(scan),
            event: EventId(0xfeed_beef_0000_0001),
            ticket: (result == ScanResult::Admitted).then_some(TicketId(4242)),
            gate: GateId(2),
            staff: "Ngozi Adeyemi".into(),
            at: UnixMillis(1_790_000_000_000 + scan),
            movement: Movement::Entry,
            result,
            proof: if result == ScanResult::Admitted {
                crate::proof::Proof::Qr { step: Some(59_666_666), digest: [scan as u8; 16] }
            } else {
                crate::proof::Proof::None
            },
        }
    }

    #[test]
    fn every_message_round_trips() {
        let records = [record(1, ScanResult::Admitted), record(2, ScanResult::Refused(RefusalKind::Forged))];
        assert_eq!(decode_checkins(&encode_checkins(&records)).unwrap(), records);
        assert_eq!(decode_checkins(&encode_checkins(&[])).unwrap(), []);

        let stamp = Stamp { at: UnixMillis(1_790_000_000_123), gate: GateId(1), device: DeviceId(3) };
        let outcomes = [
            SyncOutcome::Accepted { seq: 99_999 },
            SyncOutcome::Conflict { winner: stamp },
            SyncOutcome::Recorded,
            SyncOutcome::Unknown,
            SyncOutcome::Revoked { status: TicketStatus::Refunded },
            SyncOutcome::Doubted { doubt: Doubt::WrongProof },
            SyncOutcome::Annulled,
        ];
        let results: Vec<ItemResult> = outcomes
            .iter()
            .enumerate()
            .map(|(i, &outcome)| ItemResult {
                device: DeviceId(7),
                scan_id: ScanId(i as u64),
                outcome,
                duplicate: i % 2 == 0,
            })
            .collect();
        let now = UnixMillis(1_790_000_000_999);
        assert_eq!(decode_results(&encode_results(now, &results)).unwrap(), (now, results));

        let entries: Vec<LedgerEntry> = (1..=3)
            .map(|seq| LedgerEntry {
                standing: Standing::Accepted { seq },
                ticket: TicketId(seq as u32),
                device: DeviceId(3),
                scan_id: ScanId(seq),
                stamp,
                movement: if seq == 2 { Movement::Exit } else { Movement::Entry },
            })
            .collect();
        assert_eq!(decode_admissions(&encode_admissions(now, 3, &entries)).unwrap(), (now, 3, entries));
    }

    #[test]
    fn wrong_magic_versions_and_truncations_are_refused() {
        let bytes = encode_checkins(&[record(1, ScanResult::Admitted)]);
        assert!(decode_results(&bytes).is_err(), "a push is not an answer");
        let mut other = bytes.clone();
        other[3] = 1;
        assert_eq!(decode_checkins(&other), Err(WireError::BadValue("exchange version")));
        for cut in 0..bytes.len() {
            assert!(decode_checkins(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_checkins(&longer), Err(WireError::TrailingBytes));
        // A hostile count allocates nothing.
        let mut w = header(CHECKINS);
        w.varint(u64::MAX >> 1);
        assert_eq!(decode_checkins(&w.into_bytes()), Err(WireError::BadLength));
    }
}
