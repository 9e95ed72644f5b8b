//! The check-in record: one per scan attempt, admitted or refused, written to the device's
//! outbox before the verdict shows and synced to the server's audit log.
//! Invariant: (device, scan_id) identifies a record everywhere; resending it is harmless.

use alloc::string::String;

use alloc::vec::Vec;

use crate::ids::{DeviceId, EventId, GateId, ScanId, TicketId, UnixMillis};
use crate::verdict::{RefusalKind, Verdict};
use crate::wire::{Reader, WireError, Writer};

const RECORD_VERSION: u8 = 1;

impl Movement {
    pub fn code(self) -> u8 {
        match self {
            Movement::Entry => 0,
            Movement::Exit => 1,
        }
    }
    pub fn from_code(code: u8) -> Result<Self, WireError> {
        match code {
            0 => Ok(Movement::Entry),
            1 => Ok(Movement::Exit),
            _ => Err(WireError::BadValue("movement")),
        }
    }
}

/// Which way the holder is going through the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Movement {
    Entry,
    Exit,
}

/// What the device decided for this scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ScanResult {
    Admitted,
    Refused(RefusalKind),
}

/// One scan attempt at a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(deny_unknown_fields))]
pub struct CheckIn {
    pub device: DeviceId,
    pub scan_id: ScanId,
    pub event: EventId,
    /// `None` when the code could not be read as a ticket at all.
    pub ticket: Option<TicketId>,
    pub gate: GateId,
    /// Who was holding the scanner (the name the steward signed in with).
    pub staff: String,
    /// Device time corrected by the learned server offset.
    pub at: UnixMillis,
    pub movement: Movement,
    pub result: ScanResult,
}

impl CheckIn {
    /// The record for a verdict just shown.
    #[allow(clippy::too_many_arguments)]
    pub fn from_verdict(
        device: DeviceId,
        scan_id: ScanId,
        event: EventId,
        gate: GateId,
        staff: &str,
        at: UnixMillis,
        movement: Movement,
        verdict: &Verdict,
    ) -> Self {
        let (ticket, result) = match verdict {
            Verdict::Admit { ticket, .. } => (Some(*ticket), ScanResult::Admitted),
            Verdict::Refuse { ticket, reason } => (*ticket, ScanResult::Refused(reason.kind())),
        };
        CheckIn { device, scan_id, event, ticket, gate, staff: String::from(staff), at, movement, result }
    }

    pub fn is_admission(&self) -> bool {
        self.result == ScanResult::Admitted
    }

    /// Compact binary form, for the device's outbox in IndexedDB.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(RECORD_VERSION).varint(u64::from(self.device.0)).varint(self.scan_id.0).u64_be(self.event.0);
        match self.ticket {
            Some(t) => w.u8(1).varint(u64::from(t.0)),
            None => w.u8(0),
        };
        w.u8(self.gate.0).str(&self.staff).varint(self.at.0).u8(self.movement.code());
        w.u8(match self.result {
            ScanResult::Admitted => 0,
            ScanResult::Refused(kind) => kind.code(),
        });
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != RECORD_VERSION {
            return Err(WireError::BadValue("record version"));
        }
        let device = DeviceId(r.varint_u32()?);
        let scan_id = ScanId(r.varint()?);
        let event = EventId(r.u64_be()?);
        let ticket = match r.u8()? {
            0 => None,
            1 => Some(TicketId(r.varint_u32()?)),
            _ => return Err(WireError::BadValue("ticket flag")),
        };
        let gate = GateId(r.u8()?);
        let staff = r.str()?;
        let at = UnixMillis(r.varint()?);
        let movement = Movement::from_code(r.u8()?)?;
        let result = match r.u8()? {
            0 => ScanResult::Admitted,
            code => ScanResult::Refused(RefusalKind::from_code(code).ok_or(WireError::BadValue("result"))?),
        };
        r.finish()?;
        Ok(CheckIn { device, scan_id, event, ticket, gate, staff, at, movement, result })
    }
}
