//! The device's ledger of admissions: its own (not yet confirmed) and those the server has
//! decided, from this device or learned from other gates through delta pulls.
//! Invariant: merging is a join (keep the greater entry per (device, scan id)), so it is
//! idempotent, commutative and associative: devices converge whatever the order they hear in.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::checkin::{CheckIn, Movement};
use crate::ids::{DeviceId, GateId, ScanId, TicketId, UnixMillis};
use crate::presence::{Presence, Stamp};
use crate::wire::{Sticky, WireError, Writer};

/// How far the server has decided an admission. Ordered: a decision replaces `Local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Standing {
    /// Admitted on this device, not yet confirmed by the server.
    Local,
    /// The server accepted it as the `seq`-th accepted movement of the event.
    Accepted { seq: u64 },
    /// The server refused it (another gate won, or the ticket was revoked): it moves nothing.
    Rejected,
}

/// One admitted movement as the ledger keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LedgerEntry {
    pub standing: Standing,
    pub ticket: TicketId,
    pub device: DeviceId,
    pub scan_id: ScanId,
    pub stamp: Stamp,
    pub movement: Movement,
}

impl LedgerEntry {
    /// The entry for an admitted check-in; `None` for refusals, which move nobody.
    pub fn from_checkin(record: &CheckIn, standing: Standing) -> Option<Self> {
        if !record.is_admission() {
            return None;
        }
        Some(LedgerEntry {
            standing,
            ticket: record.ticket?,
            device: record.device,
            scan_id: record.scan_id,
            stamp: Stamp { at: record.at, gate: record.gate, device: record.device },
            movement: record.movement,
        })
    }

    /// Compact binary form, for the device's ledger in IndexedDB.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self.standing {
            Standing::Local => w.u8(0),
            Standing::Accepted { seq } => w.u8(1).varint(seq),
            Standing::Rejected => w.u8(2),
        };
        w.varint(u64::from(self.ticket.0)).varint(u64::from(self.device.0)).varint(self.scan_id.0);
        w.varint(self.stamp.at.0).u8(self.stamp.gate.0).varint(u64::from(self.stamp.device.0)).u8(self.movement.code());
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Sticky::new(bytes);
        let standing = match r.u8() {
            0 => Standing::Local,
            1 => Standing::Accepted { seq: r.varint() },
            2 => Standing::Rejected,
            _ => {
                r.fail(WireError::BadValue("standing"));
                Standing::Local
            }
        };
        let ticket = TicketId(r.u32());
        let device = DeviceId(r.u32());
        let scan_id = ScanId(r.varint());
        let stamp = Stamp { at: UnixMillis(r.varint()), gate: GateId(r.u8()), device: DeviceId(r.u32()) };
        let movement = r.code(Movement::from_code, "movement");
        r.finish(LedgerEntry { standing, ticket, device, scan_id, stamp, movement })
    }

    /// Replay order: server-accepted movements in server order, then local ones by time.
    fn replay_key(&self) -> (u64, Stamp, ScanId) {
        let seq = match self.standing {
            Standing::Accepted { seq } => seq,
            _ => u64::MAX,
        };
        (seq, self.stamp, self.scan_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    by_ticket: BTreeMap<TicketId, BTreeMap<(DeviceId, ScanId), LedgerEntry>>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or upgrades an entry; the greater of two entries for one (device, scan id) stays.
    pub fn merge(&mut self, entry: LedgerEntry) {
        let slot = self.by_ticket.entry(entry.ticket).or_default();
        let key = (entry.device, entry.scan_id);
        match slot.get(&key) {
            Some(old) if *old >= entry => {}
            _ => {
                slot.insert(key, entry);
            }
        }
    }

    pub fn merge_all(&mut self, entries: impl IntoIterator<Item = LedgerEntry>) {
        for e in entries {
            self.merge(e);
        }
    }

    /// The ticket's presence: its non-rejected movements replayed through the shared rule.
    /// Movements the rule does not allow in that order are skipped.
    pub fn presence(&self, ticket: TicketId, reentry: bool) -> Presence {
        let Some(entries) = self.by_ticket.get(&ticket) else {
            return Presence::default();
        };
        // A ticket has a handful of movements: an ordered insert (keys are unique: (device, scan
        // id) is in them) keeps the scanner free of the sort machinery (1.5 KB brotli).
        let mut live: Vec<&LedgerEntry> = Vec::new();
        for e in entries.values().filter(|e| e.standing != Standing::Rejected) {
            let at = live.partition_point(|x| x.replay_key() < e.replay_key());
            live.insert(at, e);
        }
        Presence::replay(live.into_iter().map(|e| (e.movement, e.stamp)), reentry)
    }

    /// Every entry, in (ticket, device, scan id) order.
    pub fn entries(&self) -> impl Iterator<Item = &LedgerEntry> {
        self.by_ticket.values().flat_map(|m| m.values())
    }

    /// How many tickets have entered at least once (the "checked in" count).
    pub fn admitted_tickets(&self) -> usize {
        self.by_ticket
            .values()
            .filter(|m| m.values().any(|e| e.movement == Movement::Entry && e.standing != Standing::Rejected))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ticket: u32, device: u32, scan: u64, at: u64, standing: Standing) -> LedgerEntry {
        LedgerEntry {
            standing,
            ticket: TicketId(ticket),
            device: DeviceId(device),
            scan_id: ScanId(scan),
            stamp: Stamp { at: UnixMillis(at), gate: GateId(device as u8), device: DeviceId(device) },
            movement: Movement::Entry,
        }
    }

    #[test]
    fn server_order_beats_local_time() {
        // Device 2 scanned earlier by its clock, but the server accepted device 1 first.
        let mut ledger = Ledger::new();
        ledger.merge(entry(5, 2, 1, 100, Standing::Local));
        ledger.merge(entry(5, 1, 1, 200, Standing::Accepted { seq: 9 }));
        assert_eq!(ledger.presence(TicketId(5), false).first_entry.unwrap().device, DeviceId(1));
        // The server then tells device 2 it lost.
        ledger.merge(entry(5, 2, 1, 100, Standing::Rejected));
        ledger.merge(entry(5, 2, 1, 100, Standing::Local)); // a late local copy changes nothing
        assert_eq!(ledger.entries().filter(|e| e.standing == Standing::Rejected).count(), 1);
        assert_eq!(ledger.admitted_tickets(), 1);
    }
}
