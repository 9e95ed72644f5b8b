//! Ingia's pure core, shared by the scanner (wasm32) and the server (native): the ticket token
//! format and its signatures, rotating codes, PINs, the event manifest, the gate verdict, the
//! check-in record, the first-wins conflict rule and the sans-IO sync session.
//!
//! Invariants: no I/O and no clock reads anywhere in this crate (time comes in as
//! [`UnixMillis`], randomness as bytes or seeds); malformed input is a typed error, a gate
//! decision is a [`Verdict`] value; no secret is ever printed by `Debug` or `Display`.

extern crate alloc;

pub mod access;
pub mod checkin;
pub mod conflict;
pub mod exchange;
#[doc(hidden)]
pub mod fuzzing;
pub mod i18n;
pub mod ids;
pub mod issue;
pub mod keys;
pub mod ledger;
pub mod live;
pub mod manifest;
mod names;
pub mod pairing;
pub mod pin;
pub mod presence;
pub mod proof;
pub mod protocol;
pub mod repeat;
pub mod rotating;
pub mod sample;
pub mod seal;
pub mod sms;
pub mod staff;
pub mod sync;
pub mod token;
pub mod verdict;
pub mod wallet;
pub mod watch;
pub mod wedge;
pub mod wire;
pub mod words;

pub use checkin::{staff_name, CheckIn, Movement, ScanResult, STAFF_NAME_MAX};
pub use conflict::{FirstWins, ItemResult, SyncOutcome};
pub use i18n::{KioskLabels, Labels, Lang, Texts, WalletLabels, Words};
pub use ids::{DeviceId, EventId, GateId, GateSet, KeyId, Role, ScanId, TicketId, TicketTypeId, UnixMillis};
pub use issue::{issue_ticket, Issued, TicketRequest};
pub use keys::{EventPublicKey, EventSigningKey};
pub use ledger::{Ledger, LedgerEntry, Standing};
pub use manifest::{
    EventInfo, Gate, Manifest, ManifestDelta, ManifestError, NameIndex, TicketEntry, TicketStatus, TicketType,
    TypePolicy, Ways,
};
pub use pin::Pin;
pub use presence::{Presence, Stamp};
pub use proof::{Doubt, Proof, Source};
pub use rotating::{CodeSecret, RotatingCode};
pub use sync::{Reply, SyncConfig, SyncEvent, SyncSession, Transmit};
pub use token::{Credential, PolicyFlags, SignedCredential, TicketToken, TokenError};
pub use verdict::{decide_scan, validate, Presented, Refusal, RefusalKind, Scan, Tone, Verdict};
