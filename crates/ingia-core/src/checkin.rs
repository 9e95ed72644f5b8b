//! The check-in record: one per scan attempt, admitted or refused, written to the device's
//! outbox before the verdict shows and synced to the server's audit log.
//! Invariant: (device, scan_id) identifies a record everywhere; resending it is harmless.

use alloc::string::String;

use crate::ids::{DeviceId, EventId, GateId, ScanId, TicketId, UnixMillis};
use crate::verdict::{RefusalKind, Verdict};

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
}
