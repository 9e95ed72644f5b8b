//! The gate decision: `validate(scan, manifest, ledger, gate, now) -> Verdict`.
//! Invariant: a decision is a value, never an error; every refusal has one kind, one tone and
//! one stable code, and nothing here reads a clock or touches storage.

use alloc::borrow::Cow;
use core::fmt;

use crate::checkin::Movement;
use crate::ids::{EventId, GateId, TicketId, UnixMillis};
use crate::ledger::Ledger;
use crate::manifest::{Manifest, TicketEntry, TicketStatus, Ways};
use crate::pin::{Pin, PinError};
use crate::presence::{Blocked, Stamp};
use crate::rotating::{check_code, CodeCheck, RotatingCode};
use crate::token::{PolicyFlags, TicketToken, TokenError};

/// What was presented at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented<'a> {
    /// The text of a scanned QR code.
    Qr(&'a str),
    /// A PIN typed by the steward (or found by a supervisor's name search).
    Pin(&'a str),
    /// A PIN sent by SMS or USSD from the phone number on file (the server checked the number).
    Phone(&'a str),
}

/// One scan attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan<'a> {
    pub presented: Presented<'a>,
    pub movement: Movement,
}

/// Input that is not a ticket at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    Token(TokenError),
    Pin(PinError),
}

/// Why the holder may not pass. Each is something a steward can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a readable Ingia ticket or PIN.
    Malformed(Malformed),
    /// Bad signature, unknown key, or a rotating code that is not this ticket's.
    Forged,
    /// A genuine-looking ticket for another event.
    WrongEvent {
        event: EventId,
    },
    NotYetValid {
        from: UnixMillis,
    },
    Expired {
        until: UnixMillis,
    },
    Refunded,
    Revoked,
    Blocked,
    /// A correct rotating code from too long ago: a screenshot or a replay.
    StaleCode,
    /// A static (printed) code where this ticket type needs the live code from the phone.
    CodeRequired,
    /// A PIN (typed at a gate, or sent by SMS or USSD) where this ticket type does not accept it.
    WayNotAccepted,
    /// Entered already: when, at which gate, on which device.
    AlreadyCheckedIn(Stamp),
    /// This ticket type does not enter at this gate.
    WrongGate,
    /// An exit scan for a ticket that is not inside.
    NotInside,
    /// Signed by this event but not in this device's manifest: check online.
    UnknownTicket,
    /// No ticket of this event has that PIN.
    UnknownPin,
}

/// A refusal without its details: stable codes for the audit log and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum RefusalKind {
    Malformed,
    Forged,
    WrongEvent,
    NotYetValid,
    Expired,
    Refunded,
    Revoked,
    Blocked,
    StaleCode,
    CodeRequired,
    AlreadyCheckedIn,
    WrongGate,
    NotInside,
    UnknownTicket,
    UnknownPin,
    WayNotAccepted,
}

impl RefusalKind {
    pub const ALL: [RefusalKind; 16] = [
        RefusalKind::Malformed,
        RefusalKind::Forged,
        RefusalKind::WrongEvent,
        RefusalKind::NotYetValid,
        RefusalKind::Expired,
        RefusalKind::Refunded,
        RefusalKind::Revoked,
        RefusalKind::Blocked,
        RefusalKind::StaleCode,
        RefusalKind::CodeRequired,
        RefusalKind::AlreadyCheckedIn,
        RefusalKind::WrongGate,
        RefusalKind::NotInside,
        RefusalKind::UnknownTicket,
        RefusalKind::UnknownPin,
        RefusalKind::WayNotAccepted,
    ];

    /// Stable snake_case name (audit log, API, translations).
    pub fn slug(self) -> &'static str {
        match self {
            RefusalKind::Malformed => "malformed",
            RefusalKind::Forged => "forged",
            RefusalKind::WrongEvent => "wrong_event",
            RefusalKind::NotYetValid => "not_yet_valid",
            RefusalKind::Expired => "expired",
            RefusalKind::Refunded => "refunded",
            RefusalKind::Revoked => "revoked",
            RefusalKind::Blocked => "blocked",
            RefusalKind::StaleCode => "stale_code",
            RefusalKind::CodeRequired => "code_required",
            RefusalKind::AlreadyCheckedIn => "already_checked_in",
            RefusalKind::WrongGate => "wrong_gate",
            RefusalKind::NotInside => "not_inside",
            RefusalKind::UnknownTicket => "unknown_ticket",
            RefusalKind::UnknownPin => "unknown_pin",
            RefusalKind::WayNotAccepted => "way_not_accepted",
        }
    }

    /// Stable one-byte code (1..=16) for binary records.
    pub fn code(self) -> u8 {
        Self::ALL.iter().position(|k| *k == self).map_or(0, |i| i as u8 + 1)
    }

    pub fn from_code(code: u8) -> Option<Self> {
        code.checked_sub(1).and_then(|i| Self::ALL.get(i as usize)).copied()
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// Amber: the holder may well be genuine and a steward can sort it out (refresh the code,
    /// send to the right gate, check online, call a supervisor). Red: do not admit.
    pub fn tone(self) -> Tone {
        match self {
            RefusalKind::StaleCode
            | RefusalKind::CodeRequired
            | RefusalKind::WayNotAccepted
            | RefusalKind::AlreadyCheckedIn
            | RefusalKind::WrongGate
            | RefusalKind::NotYetValid
            | RefusalKind::NotInside
            | RefusalKind::UnknownTicket => Tone::Amber,
            _ => Tone::Red,
        }
    }
}

impl Refusal {
    pub fn kind(&self) -> RefusalKind {
        match self {
            Refusal::Malformed(_) => RefusalKind::Malformed,
            Refusal::Forged => RefusalKind::Forged,
            Refusal::WrongEvent { .. } => RefusalKind::WrongEvent,
            Refusal::NotYetValid { .. } => RefusalKind::NotYetValid,
            Refusal::Expired { .. } => RefusalKind::Expired,
            Refusal::Refunded => RefusalKind::Refunded,
            Refusal::Revoked => RefusalKind::Revoked,
            Refusal::Blocked => RefusalKind::Blocked,
            Refusal::StaleCode => RefusalKind::StaleCode,
            Refusal::CodeRequired => RefusalKind::CodeRequired,
            Refusal::AlreadyCheckedIn(_) => RefusalKind::AlreadyCheckedIn,
            Refusal::WrongGate => RefusalKind::WrongGate,
            Refusal::NotInside => RefusalKind::NotInside,
            Refusal::UnknownTicket => RefusalKind::UnknownTicket,
            Refusal::UnknownPin => RefusalKind::UnknownPin,
            Refusal::WayNotAccepted => RefusalKind::WayNotAccepted,
        }
    }
}

impl fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// The colour of the full-screen verdict. (`Default`, red, only fills a message that is refused.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    Green,
    Amber,
    #[default]
    Red,
}

// The slug is the verdict's CSS class, `data-tone` and the sound the page plays.
crate::names::named!(Tone {
    Green = 0 "green",
    Amber = 1 "amber",
    Red = 2 "red",
});

/// The decision at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Admit {
        ticket: TicketId,
        movement: Movement,
        /// An entry after an earlier exit (re-entry ticket).
        reentry: bool,
    },
    Refuse {
        /// The ticket, when the code named one (so the screen can show the holder).
        ticket: Option<TicketId>,
        reason: Refusal,
    },
}

impl Verdict {
    pub fn tone(&self) -> Tone {
        match self {
            Verdict::Admit { .. } => Tone::Green,
            Verdict::Refuse { reason, .. } => reason.kind().tone(),
        }
    }
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            Verdict::Admit { ticket, .. } => Some(*ticket),
            Verdict::Refuse { ticket, .. } => *ticket,
        }
    }
    pub fn is_admit(&self) -> bool {
        matches!(self, Verdict::Admit { .. })
    }
}

fn refuse(ticket: Option<TicketId>, reason: Refusal) -> Verdict {
    Verdict::Refuse { ticket, reason }
}

/// Decides a scan offline, from the manifest and the ledger alone.
pub fn validate(scan: &Scan<'_>, manifest: &Manifest, ledger: &Ledger, gate: GateId, now: UnixMillis) -> Verdict {
    decide_scan(scan, manifest, ledger, gate, now).0
}

/// [`validate`], with the ticket's entry as the presented credential or PIN opened it (a sealed
/// entry's holder name is known only this way).
pub fn decide_scan<'m>(
    scan: &Scan<'_>,
    manifest: &'m Manifest,
    ledger: &Ledger,
    gate: GateId,
    now: UnixMillis,
) -> (Verdict, Option<Cow<'m, TicketEntry>>) {
    match scan.presented {
        Presented::Qr(text) => validate_token(text, scan.movement, manifest, ledger, gate, now),
        Presented::Pin(text) => validate_pin(text, false, scan.movement, manifest, ledger, gate, now),
        Presented::Phone(text) => validate_pin(text, true, scan.movement, manifest, ledger, gate, now),
    }
}

type Decided<'m> = (Verdict, Option<Cow<'m, TicketEntry>>);

fn validate_token<'m>(
    text: &str,
    movement: Movement,
    manifest: &'m Manifest,
    ledger: &Ledger,
    gate: GateId,
    now: UnixMillis,
) -> Decided<'m> {
    let token = match TicketToken::parse(text) {
        Ok(t) => t,
        Err(e) => return (refuse(None, Refusal::Malformed(Malformed::Token(e))), None),
    };
    let cred = token.signed.credential;
    if cred.event != manifest.event.id {
        return (refuse(None, Refusal::WrongEvent { event: cred.event }), None);
    }
    let genuine = manifest.key(cred.key_id).is_some_and(|key| token.signed.verify(key));
    if !genuine {
        return (refuse(None, Refusal::Forged), None);
    }
    let Some(entry) = manifest.ticket(cred.ticket) else {
        return (refuse(Some(cred.ticket), Refusal::UnknownTicket), None);
    };
    // A genuine credential the entry was not sealed for was replaced since (a reissued ticket).
    let Some(entry) = manifest.open(entry, &token.signed.signature) else {
        return (refuse(Some(cred.ticket), Refusal::Revoked), None);
    };
    let window = (cred.valid_from_ms(), cred.valid_until_end_ms());
    let shown = Shown::Token { flags: cred.flags, rotating: token.rotating };
    (decide(&entry, shown, window, movement, manifest, ledger, gate, now), Some(entry))
}

fn validate_pin<'m>(
    text: &str,
    phone: bool,
    movement: Movement,
    manifest: &'m Manifest,
    ledger: &Ledger,
    gate: GateId,
    now: UnixMillis,
) -> Decided<'m> {
    let pin = match Pin::parse(text, manifest.event.pin_digits) {
        Ok(p) => p,
        Err(e) => return (refuse(None, Refusal::Malformed(Malformed::Pin(e))), None),
    };
    let Some(entry) = manifest.ticket_by_typed_pin(pin) else {
        return (refuse(None, Refusal::UnknownPin), None);
    };
    let Some(policy) = manifest.ticket_type(entry.ticket_type).map(|t| t.policy) else {
        // No policy to check a PIN against: never admit on a guessable secret blind.
        return (refuse(Some(entry.id), Refusal::UnknownTicket), Some(entry));
    };
    let window =
        (UnixMillis::from_secs(u64::from(policy.valid_from)), UnixMillis::from_secs(u64::from(policy.valid_until) + 1));
    (decide(&entry, Shown::Pin { phone }, window, movement, manifest, ledger, gate, now), Some(entry))
}

/// What proved the holder's claim to the ticket.
enum Shown {
    Token {
        flags: PolicyFlags,
        rotating: Option<RotatingCode>,
    },
    /// A PIN: typed at a gate, or (`phone`) sent from the number on file.
    Pin {
        phone: bool,
    },
}

#[allow(clippy::too_many_arguments)]
fn decide(
    entry: &TicketEntry,
    shown: Shown,
    (valid_from, valid_end): (UnixMillis, UnixMillis),
    movement: Movement,
    manifest: &Manifest,
    ledger: &Ledger,
    gate: GateId,
    now: UnixMillis,
) -> Verdict {
    let id = Some(entry.id);
    match entry.status {
        TicketStatus::Active => {}
        TicketStatus::Refunded => return refuse(id, Refusal::Refunded),
        TicketStatus::Revoked => return refuse(id, Refusal::Revoked),
        TicketStatus::Blocked => return refuse(id, Refusal::Blocked),
    }
    if now < valid_from {
        return refuse(id, Refusal::NotYetValid { from: valid_from });
    }
    if now >= valid_end {
        return refuse(id, Refusal::Expired { until: valid_end });
    }
    // The manifest's type (current, from the organizer) can only tighten the signed flags.
    let policy = manifest.ticket_type(entry.ticket_type).map(|t| t.policy);
    let ways = policy.map_or(Ways::ALL, |p| p.ways);
    let type_allows_reentry = policy.is_none_or(|p| p.reentry);
    let reentry = match shown {
        Shown::Token { flags, rotating } => {
            match rotating {
                Some(code) => match check_code(&entry.code_secret, code, now, manifest.event.code_step_secs) {
                    CodeCheck::Fresh => {}
                    CodeCheck::Stale => return refuse(id, Refusal::StaleCode),
                    CodeCheck::Wrong => return refuse(id, Refusal::Forged),
                },
                None if flags.code_required() || !ways.printed => return refuse(id, Refusal::CodeRequired),
                None => {}
            }
            flags.reentry() && type_allows_reentry
        }
        Shown::Pin { phone } => {
            if !(if phone { ways.phone } else { ways.pin }) {
                return refuse(id, Refusal::WayNotAccepted);
            }
            type_allows_reentry
        }
    };
    if !policy.is_none_or(|p| p.gates.allows(gate)) {
        return refuse(id, Refusal::WrongGate);
    }
    let presence = ledger.presence(entry.id, reentry);
    match presence.check(movement, reentry) {
        Ok(()) => Verdict::Admit {
            ticket: entry.id,
            movement,
            reentry: movement == Movement::Entry && presence.first_entry.is_some(),
        },
        Err(Blocked::AlreadyIn(stamp)) => refuse(id, Refusal::AlreadyCheckedIn(stamp)),
        Err(Blocked::NotInside) => refuse(id, Refusal::NotInside),
    }
}
