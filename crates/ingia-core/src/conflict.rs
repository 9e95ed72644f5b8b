//! The conflict rule the server applies and devices rely on: the first admission the server
//! accepts wins; later ones become conflicts that name the winner's time, gate and device.
//! [`decide`] is the rule, the one place it is written: the SQL server reads the ticket, calls
//! it and keeps only the atomic conditional write around it; [`FirstWins`] is the same rule over
//! an in-memory store (the reference the simulations and property tests use).
//! Invariant: every decision is idempotent on (device, scan id): asking again returns the
//! first answer, marked as a duplicate, and changes nothing.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::checkin::{CheckIn, ScanResult};
use crate::ids::{DeviceId, ScanId, TicketId};
use crate::ledger::{LedgerEntry, Standing};
use crate::manifest::TicketStatus;
use crate::presence::{Blocked, Presence, Stamp};
use crate::proof::Doubt;

/// The server's answer for one submitted check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "outcome", rename_all = "snake_case")
)]
pub enum SyncOutcome {
    /// This admission counts; `seq` orders it among the event's accepted movements.
    Accepted { seq: u64 },
    /// Another admission got there first (or the holder is still inside): that one's stamp.
    Conflict { winner: Stamp },
    /// Kept for the audit log only: a refused scan, or an exit of someone not inside.
    Recorded,
    /// The server has no such ticket for this event.
    Unknown,
    /// The ticket was refunded, revoked or blocked before this admission reached the server.
    Revoked { status: TicketStatus },
    /// Kept for the audit, not counted: the server does not believe the device (see
    /// [`crate::proof::vouch`]).
    Doubted { doubt: Doubt },
    /// Counted once, then annulled by the organizer (a stolen device's admissions).
    Annulled,
}

impl SyncOutcome {
    /// The slugs, for queries that select by outcome.
    pub const ACCEPTED: &'static str = "accepted";
    pub const CONFLICT: &'static str = "conflict";
    pub const RECORDED: &'static str = "recorded";
    pub const UNKNOWN: &'static str = "unknown";
    pub const REVOKED: &'static str = "revoked";
    pub const DOUBTED: &'static str = "doubted";
    pub const ANNULLED: &'static str = "annulled";

    /// The outcome's stable name (API, database column, audit export).
    pub fn slug(self) -> &'static str {
        match self {
            SyncOutcome::Accepted { .. } => Self::ACCEPTED,
            SyncOutcome::Conflict { .. } => Self::CONFLICT,
            SyncOutcome::Recorded => Self::RECORDED,
            SyncOutcome::Unknown => Self::UNKNOWN,
            SyncOutcome::Revoked { .. } => Self::REVOKED,
            SyncOutcome::Doubted { .. } => Self::DOUBTED,
            SyncOutcome::Annulled => Self::ANNULLED,
        }
    }

    /// Reads an outcome back from its slug and the fields that slug needs (as the server's
    /// database keeps them); `None` for an unknown slug or a missing field.
    pub fn from_parts(
        slug: &str,
        seq: Option<u64>,
        winner: Option<Stamp>,
        status: Option<TicketStatus>,
        doubt: Option<Doubt>,
    ) -> Option<Self> {
        Some(match slug {
            Self::ACCEPTED => SyncOutcome::Accepted { seq: seq? },
            Self::CONFLICT => SyncOutcome::Conflict { winner: winner? },
            Self::RECORDED => SyncOutcome::Recorded,
            Self::UNKNOWN => SyncOutcome::Unknown,
            Self::REVOKED => SyncOutcome::Revoked { status: status? },
            Self::DOUBTED => SyncOutcome::Doubted { doubt: doubt? },
            Self::ANNULLED => SyncOutcome::Annulled,
            _ => return None,
        })
    }

    /// How the device's ledger should now hold this admission.
    pub fn standing(self) -> Standing {
        match self {
            SyncOutcome::Accepted { seq } => Standing::Accepted { seq },
            _ => Standing::Rejected,
        }
    }
    pub fn is_conflict(self) -> bool {
        matches!(self, SyncOutcome::Conflict { .. })
    }
}

/// The answer for one item of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ItemResult {
    pub device: DeviceId,
    pub scan_id: ScanId,
    pub outcome: SyncOutcome,
    /// The server had already decided this (device, scan id); `outcome` is that decision.
    pub duplicate: bool,
}

/// What the server knows of one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerTicket {
    pub status: TicketStatus,
    pub reentry: bool,
    pub presence: Presence,
}

/// What the rule decided for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The answer, with nothing to change.
    Outcome(SyncOutcome),
    /// The movement is allowed: store this presence for the ticket (conditionally on the one
    /// that was read), then number the admission: it is `Accepted` with that sequence number.
    Move(Presence),
}

/// Which ticket the rule must read to decide `record`, or the outcome that needs no ticket (a
/// refused scan is kept for the audit only; an admission naming no ticket is unknown).
pub fn ticket_to_read(record: &CheckIn) -> Result<TicketId, SyncOutcome> {
    if record.result != ScanResult::Admitted {
        return Err(SyncOutcome::Recorded);
    }
    record.ticket.ok_or(SyncOutcome::Unknown)
}

/// The first-wins rule for one new record, given what the server holds of its ticket (`None`:
/// no such issued ticket in this event).
pub fn decide(record: &CheckIn, ticket: Option<&ServerTicket>) -> Decision {
    if let Err(outcome) = ticket_to_read(record) {
        return Decision::Outcome(outcome);
    }
    let Some(ticket) = ticket else { return Decision::Outcome(SyncOutcome::Unknown) };
    if ticket.status != TicketStatus::Active {
        return Decision::Outcome(SyncOutcome::Revoked { status: ticket.status });
    }
    let stamp = Stamp { at: record.at, gate: record.gate, device: record.device };
    let mut presence = ticket.presence;
    match presence.apply(record.movement, stamp, ticket.reentry) {
        Ok(()) => Decision::Move(presence),
        Err(Blocked::AlreadyIn(winner)) => Decision::Outcome(SyncOutcome::Conflict { winner }),
        Err(Blocked::NotInside) => Decision::Outcome(SyncOutcome::Recorded),
    }
}

/// The reference implementation of the rule.
#[derive(Debug, Clone, Default)]
pub struct FirstWins {
    tickets: BTreeMap<TicketId, ServerTicket>,
    decided: BTreeMap<(DeviceId, ScanId), SyncOutcome>,
    accepted: Vec<LedgerEntry>,
}

impl FirstWins {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_ticket(&mut self, id: TicketId, status: TicketStatus, reentry: bool) {
        self.tickets.insert(id, ServerTicket { status, reentry, presence: Presence::default() });
    }

    pub fn set_status(&mut self, id: TicketId, status: TicketStatus) {
        if let Some(t) = self.tickets.get_mut(&id) {
            t.status = status;
        }
    }

    /// Decides one submitted check-in.
    pub fn submit(&mut self, record: &CheckIn) -> ItemResult {
        let key = (record.device, record.scan_id);
        if let Some(&outcome) = self.decided.get(&key) {
            return ItemResult { device: record.device, scan_id: record.scan_id, outcome, duplicate: true };
        }
        let outcome = self.decide(record);
        self.decided.insert(key, outcome);
        ItemResult { device: record.device, scan_id: record.scan_id, outcome, duplicate: false }
    }

    fn decide(&mut self, record: &CheckIn) -> SyncOutcome {
        let ticket = ticket_to_read(record).ok().and_then(|t| self.tickets.get_mut(&t));
        match decide(record, ticket.as_deref()) {
            Decision::Outcome(outcome) => outcome,
            Decision::Move(presence) => {
                if let Some(t) = ticket {
                    t.presence = presence;
                }
                let seq = self.accepted.len() as u64 + 1;
                let entry = LedgerEntry::from_checkin(record, Standing::Accepted { seq })
                    .expect("an admission with a ticket has a ledger entry");
                self.accepted.push(entry);
                SyncOutcome::Accepted { seq }
            }
        }
    }

    /// Accepted movements after `seq`: what a delta pull sends to the other gates.
    pub fn accepted_since(&self, seq: u64) -> &[LedgerEntry] {
        let start = usize::try_from(seq).unwrap_or(usize::MAX).min(self.accepted.len());
        &self.accepted[start..]
    }

    pub fn last_seq(&self) -> u64 {
        self.accepted.len() as u64
    }

    /// How many (device, scan id) pairs the server has decided.
    pub fn decided_count(&self) -> usize {
        self.decided.len()
    }

    pub fn decision(&self, device: DeviceId, scan_id: ScanId) -> Option<SyncOutcome> {
        self.decided.get(&(device, scan_id)).copied()
    }

    pub fn ticket(&self, id: TicketId) -> Option<&ServerTicket> {
        self.tickets.get(&id)
    }
}
