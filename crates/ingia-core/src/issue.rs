//! Issuing a ticket (server side): the signed credential from the ticket type's policy, and
//! the manifest entry with its rotating-code secret and PIN.
//! Invariant: the token's signed window and flags are exactly the type's policy at issue time.

use alloc::string::String;

use crate::ids::{EventId, TicketId};
use crate::keys::EventSigningKey;
use crate::manifest::{TicketEntry, TicketStatus, TicketType};
use crate::pin::Pin;
use crate::rotating::CodeSecret;
use crate::token::{Credential, PolicyFlags, SignedCredential};

/// A freshly issued ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub credential: SignedCredential,
    pub entry: TicketEntry,
}

/// What the caller supplies for one ticket; `secret` and `pin` come from its CSPRNG
/// (see [`Pin::generate_unique`]).
#[derive(Debug, Clone)]
pub struct TicketRequest<'a> {
    pub id: TicketId,
    pub holder: &'a str,
    pub ticket_type: &'a TicketType,
    pub secret: CodeSecret,
    pub pin: Pin,
    pub revision: u64,
}

pub fn issue_ticket(key: &EventSigningKey, event: EventId, req: TicketRequest<'_>) -> Issued {
    let policy = req.ticket_type.policy;
    let credential = Credential {
        key_id: key.key_id(),
        event,
        ticket: req.id,
        ticket_type: req.ticket_type.id,
        valid_from: policy.valid_from,
        valid_until: policy.valid_until,
        flags: PolicyFlags::new(!policy.ways.printed, policy.reentry),
    }
    .sign(key);
    let entry = TicketEntry {
        id: req.id,
        holder: String::from(req.holder),
        ticket_type: req.ticket_type.id,
        status: TicketStatus::Active,
        code_secret: req.secret,
        pin: req.pin,
        sealed: None,
        revision: req.revision,
    };
    Issued { credential, entry }
}
