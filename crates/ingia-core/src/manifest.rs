//! The event manifest: everything a scanner needs to decide offline. One binary encoding
//! serves both the full download and delta syncs (a full manifest is a delta from revision 0).
//! A ticket entry is clear (the server's own, and a supervisor's desk list) or sealed
//! (`crate::seal`: a steward's and a kiosk's, whose name, PIN and code secret open only with the
//! ticket's credential or PIN); [`Manifest::open`] and [`Manifest::ticket_by_typed_pin`] give the
//! opened entry either way.
//! Invariant: tickets are kept sorted by id; a delta applies only on top of the revision it
//! was cut from or a later one, and applying it twice changes nothing.

use alloc::borrow::Cow;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::ids::{EventId, GateId, GateSet, KeyId, TicketId, TicketTypeId};
use crate::keys::EventPublicKey;
use crate::pin::Pin;
use crate::rotating::CodeSecret;
use crate::seal::{pin_secret, pin_tag, Sealed};
use crate::wire::{Reader, WireError, Writer};

const MAGIC: &[u8; 3] = b"IGM";
/// Version 2: entries may be sealed. Version 3: a type's flags name its ways in ([`Ways`]);
/// a cached version 2 manifest still opens (its "code" flag meant the live code only).
/// Version 4: the event's language (its attendees' default: the kiosk's when it resets).
const MANIFEST_VERSION: u8 = 4;

/// Event facts shown at the gate and used for codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    pub id: EventId,
    pub name: String,
    pub venue: String,
    /// Unix seconds, UTC.
    pub starts_at: u64,
    pub ends_at: u64,
    /// IANA zone name, for showing local times ("Africa/Lagos").
    pub time_zone: String,
    /// Rotating-code step in seconds.
    pub code_step_secs: u32,
    /// Digits of this event's PINs.
    pub pin_digits: u8,
    /// Hours after `ends_at` a gate device keeps the event; then it deletes everything of it.
    pub keep_hours: u16,
    /// The language its attendees read unless theirs is on file (a kiosk returns to it).
    pub lang: crate::Lang,
}

impl EventInfo {
    /// Whether a gate device must have deleted this event by `now` (Unix ms).
    pub fn expired(&self, now: u64) -> bool {
        now / 1000 >= self.ends_at.saturating_add(u64::from(self.keep_hours) * 3600)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub id: GateId,
    pub name: String,
}

/// The ways in a ticket type accepts besides the live code from the wallet, which always
/// admits (it is the strongest: signed, and changing every step). Decided here for the gates,
/// the server's checks, the wallet and the delivery SMS alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ways {
    /// The ticket's static code: printed, or a screenshot.
    pub printed: bool,
    /// The PIN typed at a gate (or a supervisor's admission by name, which records the PIN).
    pub pin: bool,
    /// `CHECKIN <pin>` by SMS or USSD from the phone number on file.
    pub phone: bool,
}

impl Default for Ways {
    fn default() -> Self {
        Ways::ALL
    }
}

impl Ways {
    pub const ALL: Ways = Ways { printed: true, pin: true, phone: true };
    /// The live code from the wallet, nothing else: no screenshots, printouts or PINs.
    pub const LIVE_ONLY: Ways = Ways { printed: false, pin: false, phone: false };

    /// Whether the holder's PIN opens anything: the wallet and the ticket SMS show it only then.
    pub fn uses_pin(self) -> bool {
        self.pin || self.phone
    }

    /// What a wallet or a ticket mail says of the PIN: where it works (`None`: nowhere).
    pub fn pin_label(self, lang: crate::Lang) -> Option<&'static str> {
        let w = lang.wallet();
        match (self.pin, self.phone) {
            (true, true) => Some(w.pin_gate_or_sms),
            (true, false) => Some(w.pin_gate),
            (false, true) => Some(w.pin_sms),
            (false, false) => None,
        }
    }

    /// Three bits, set for each way refused (so an absent bit accepts, as before ways existed).
    fn refused_bits(self) -> u8 {
        u8::from(!self.printed) | u8::from(!self.pin) << 2 | u8::from(!self.phone) << 3
    }

    fn from_refused_bits(flags: u8) -> Self {
        Ways { printed: flags & 1 == 0, pin: flags & 4 == 0, phone: flags & 8 == 0 }
    }

    /// The ways as the server stores them: a bit set for each accepted (1 printed, 2 PIN,
    /// 4 phone).
    pub fn bits(self) -> u8 {
        u8::from(self.printed) | u8::from(self.pin) << 1 | u8::from(self.phone) << 2
    }

    pub fn from_bits(bits: u8) -> Self {
        Ways { printed: bits & 1 != 0, pin: bits & 2 != 0, phone: bits & 4 != 0 }
    }
}

/// A ticket type's policy as the organizer set it. It can only tighten what the signed token
/// says: a static code is refused if either refuses it; re-entry needs both to allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TypePolicy {
    pub ways: Ways,
    pub reentry: bool,
    pub gates: GateSet,
    /// First and last second (Unix, UTC) this type admits; signed into every token of the type
    /// and used as is for PIN entry, which has no token.
    pub valid_from: u32,
    pub valid_until: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketType {
    pub id: TicketTypeId,
    pub name: String,
    pub policy: TypePolicy,
}

/// Whether a ticket may be used. (`Default` is `Revoked`: it only fills a value being refused,
/// and fails closed.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum TicketStatus {
    Active,
    Refunded,
    #[default]
    Revoked,
    /// Held by the organizer (suspected fraud, payment dispute).
    Blocked,
}

crate::names::named!(TicketStatus {
    Active = 0 "active",
    Refunded = 1 "refunded",
    Revoked = 2 "revoked",
    Blocked = 3 "blocked",
});

/// One ticket as the scanner knows it. A sealed entry's `holder`, `code_secret` and `pin` are
/// empty (a blank name, zeros) until [`Manifest::open`] or [`Manifest::ticket_by_typed_pin`]
/// opens it with what the holder presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEntry {
    pub id: TicketId,
    pub holder: String,
    pub ticket_type: TicketTypeId,
    pub status: TicketStatus,
    pub code_secret: CodeSecret,
    pub pin: Pin,
    /// The manifest revision at which this entry last changed.
    pub revision: u64,
    /// The sealed form a gate device holds instead of the clear fields.
    pub sealed: Option<Sealed>,
}

impl TicketEntry {
    /// The entry as a gate device holds it: opened by its credential (`signature`), and by its
    /// PIN when `pin_secret` (`crate::seal::pin_secret` of its PIN: a steward's phone; a kiosk has
    /// no PIN entry) is given.
    pub fn sealed_for_gate(&self, event: EventId, signature: &[u8; 64], pin_secret: Option<&[u8; 32]>) -> TicketEntry {
        let sealed = Sealed::new(event, self.id, self.revision, &self.holder, &self.code_secret, signature, pin_secret);
        TicketEntry {
            holder: String::new(),
            code_secret: CodeSecret([0; 16]),
            pin: Pin::new(0, self.pin.digits()).unwrap_or(self.pin),
            sealed: Some(sealed),
            ..self.clone()
        }
    }

    /// The entry's key in the PIN index: its PIN (clear) or its PIN tag (sealed; a kiosk's has
    /// none). One index for both keeps one map's code in the scanner.
    fn pin_key(&self) -> Option<[u8; 16]> {
        match &self.sealed {
            None => Some(clear_key(self.pin)),
            Some(s) => s.by_pin.as_ref().map(|(tag, _)| *tag),
        }
    }
}

/// The scanner's copy of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub event: EventInfo,
    /// The highest revision included; the cursor for the next delta pull.
    pub revision: u64,
    pub keys: Vec<EventPublicKey>,
    pub gates: Vec<Gate>,
    pub ticket_types: Vec<TicketType>,
    tickets: BTreeMap<TicketId, TicketEntry>,
    /// Entries by [`TicketEntry::pin_key`].
    by_pin: BTreeMap<[u8; 16], TicketId>,
}

/// A clear PIN's index key (a marker byte, then the PIN; a tag colliding with it would be a
/// 2^-128 accident).
fn clear_key(pin: Pin) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[0] = 0xff;
    k[1..5].copy_from_slice(&pin.value().to_be_bytes());
    k[5] = pin.digits();
    k
}

/// The changes between two revisions (a full manifest when `base_revision` is 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestDelta {
    pub event: EventInfo,
    pub base_revision: u64,
    pub revision: u64,
    pub keys: Vec<EventPublicKey>,
    pub gates: Vec<Gate>,
    pub ticket_types: Vec<TicketType>,
    /// Changed tickets, sorted by id, each at most once.
    pub tickets: Vec<TicketEntry>,
}

/// Why manifest bytes or a delta could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestError {
    BadMagic,
    UnsupportedVersion(u8),
    Wire(WireError),
    BadKey(KeyId),
    /// Ticket ids not strictly increasing.
    UnsortedTickets,
    /// Two tickets with the same PIN.
    DuplicatePin,
    /// The delta belongs to another event.
    WrongEvent,
    /// The delta starts after this manifest's revision: a full download is needed.
    Gap {
        have: u64,
        base: u64,
    },
}

impl From<WireError> for ManifestError {
    fn from(e: WireError) -> Self {
        ManifestError::Wire(e)
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::BadMagic => f.write_str("not an Ingia manifest"),
            ManifestError::UnsupportedVersion(v) => write!(f, "manifest version {v} is not supported"),
            ManifestError::Wire(e) => write!(f, "damaged manifest: {e}"),
            ManifestError::BadKey(id) => write!(f, "manifest key {id} is not a valid public key"),
            ManifestError::UnsortedTickets => f.write_str("manifest tickets out of order"),
            ManifestError::DuplicatePin => f.write_str("two tickets share a PIN"),
            ManifestError::WrongEvent => f.write_str("update is for another event"),
            ManifestError::Gap { have, base } => {
                write!(f, "update starts at revision {base} but this device has {have}; download the full manifest")
            }
        }
    }
}

impl Manifest {
    /// An empty manifest for an event (no tickets yet).
    pub fn new(event: EventInfo) -> Self {
        Manifest {
            event,
            revision: 0,
            keys: Vec::new(),
            gates: Vec::new(),
            ticket_types: Vec::new(),
            tickets: BTreeMap::new(),
            by_pin: BTreeMap::new(),
        }
    }

    pub fn ticket(&self, id: TicketId) -> Option<&TicketEntry> {
        self.tickets.get(&id)
    }
    /// A clear entry by its PIN (the server's manifest, a supervisor's); see
    /// [`Manifest::ticket_by_typed_pin`] for a gate's.
    pub fn ticket_by_pin(&self, pin: Pin) -> Option<&TicketEntry> {
        let entry = self.by_pin.get(&clear_key(pin)).and_then(|id| self.tickets.get(id))?;
        entry.sealed.is_none().then_some(entry)
    }

    /// The entry a typed PIN names, opened (clear, or sealed and found by the PIN's tag; a
    /// sealed entry opened this way has its name and PIN, never its code secret).
    pub fn ticket_by_typed_pin(&self, pin: Pin) -> Option<Cow<'_, TicketEntry>> {
        if let Some(entry) = self.ticket_by_pin(pin) {
            return Some(Cow::Borrowed(entry));
        }
        if self.tickets.values().next().is_none_or(|e| e.sealed.is_none()) {
            return None;
        }
        let secret = pin_secret(self.event.id, pin);
        let entry = self.by_pin.get(&pin_tag(&secret)).and_then(|id| self.tickets.get(id))?;
        let holder = entry.sealed.as_ref()?.open_by_pin(self.event.id, entry.id, entry.revision, &secret)?;
        Some(Cow::Owned(TicketEntry { holder, pin, sealed: None, ..entry.clone() }))
    }

    /// The entry opened with the signature of the credential that was scanned (a clear one as
    /// it is); `None` when that credential is not the one the entry was sealed for.
    pub fn open<'a>(&self, entry: &'a TicketEntry, signature: &[u8; 64]) -> Option<Cow<'a, TicketEntry>> {
        let Some(sealed) = &entry.sealed else { return Some(Cow::Borrowed(entry)) };
        let (holder, code_secret) = sealed.open_by_credential(self.event.id, entry.id, entry.revision, signature)?;
        Some(Cow::Owned(TicketEntry { holder, code_secret, sealed: None, ..entry.clone() }))
    }
    pub fn tickets(&self) -> impl ExactSizeIterator<Item = &TicketEntry> {
        self.tickets.values()
    }
    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }
    pub fn key(&self, id: KeyId) -> Option<&EventPublicKey> {
        self.keys.iter().find(|k| k.key_id() == id)
    }
    pub fn ticket_type(&self, id: TicketTypeId) -> Option<&TicketType> {
        self.ticket_types.iter().find(|t| t.id == id)
    }
    pub fn gate(&self, id: GateId) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }

    /// Inserts or replaces a ticket (server side, when building a manifest).
    pub fn upsert(&mut self, entry: TicketEntry) -> Result<(), ManifestError> {
        let key = entry.pin_key();
        if let Some(&owner) = key.as_ref().and_then(|k| self.by_pin.get(k)) {
            if owner != entry.id {
                return Err(ManifestError::DuplicatePin);
            }
        }
        if let Some(old_key) = self.tickets.get(&entry.id).and_then(TicketEntry::pin_key) {
            self.by_pin.remove(&old_key);
        }
        self.revision = self.revision.max(entry.revision);
        if let Some(k) = key {
            self.by_pin.insert(k, entry.id);
        }
        self.tickets.insert(entry.id, entry);
        Ok(())
    }

    /// The delta a device at `since` needs: header plus tickets changed after `since`.
    pub fn delta_since(&self, since: u64) -> ManifestDelta {
        ManifestDelta {
            event: self.event.clone(),
            base_revision: since,
            revision: self.revision,
            keys: self.keys.clone(),
            gates: self.gates.clone(),
            ticket_types: self.ticket_types.clone(),
            tickets: self.tickets.values().filter(|t| t.revision > since).cloned().collect(),
        }
    }

    /// Builds a manifest from a full delta (`base_revision` 0).
    pub fn from_delta(delta: ManifestDelta) -> Result<Self, ManifestError> {
        let mut m = Manifest::new(delta.event.clone());
        m.apply(delta)?;
        Ok(m)
    }

    /// Applies a delta. A delta older than what we have is still fine (entries carry their own
    /// revisions and an older entry never replaces a newer one); a gap is refused.
    pub fn apply(&mut self, delta: ManifestDelta) -> Result<(), ManifestError> {
        if delta.event.id != self.event.id {
            return Err(ManifestError::WrongEvent);
        }
        if delta.base_revision > self.revision {
            return Err(ManifestError::Gap { have: self.revision, base: delta.base_revision });
        }
        // Check PIN (and PIN tag) uniqueness against the result before changing anything.
        let mut pins = self.by_pin.clone();
        let newer = |t: &TicketEntry| self.tickets.get(&t.id).is_none_or(|old| old.revision <= t.revision);
        for t in delta.tickets.iter().filter(|t| newer(t)) {
            if let Some(old) = self.tickets.get(&t.id) {
                old.pin_key().map(|k| pins.remove(&k));
            }
        }
        for t in delta.tickets.iter().filter(|t| newer(t)) {
            if t.pin_key().and_then(|k| pins.insert(k, t.id)).is_some_and(|other| other != t.id) {
                return Err(ManifestError::DuplicatePin);
            }
        }
        if delta.revision >= self.revision {
            self.event = delta.event;
            self.keys = delta.keys;
            self.gates = delta.gates;
            self.ticket_types = delta.ticket_types;
        }
        for t in delta.tickets {
            if self.tickets.get(&t.id).is_some_and(|old| old.revision > t.revision) {
                continue;
            }
            self.tickets.insert(t.id, t);
        }
        self.by_pin = pins;
        self.revision = self.revision.max(delta.revision);
        Ok(())
    }

    /// The full manifest's bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.delta_since(0).encode()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ManifestError> {
        Self::from_delta(ManifestDelta::decode(bytes)?)
    }
}

impl ManifestDelta {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(MAGIC).u8(MANIFEST_VERSION).u64_be(self.event.id.0);
        w.varint(self.base_revision).varint(self.revision);
        let e = &self.event;
        w.str(&e.name).str(&e.venue).varint(e.starts_at).varint(e.ends_at).str(&e.time_zone);
        w.varint(u64::from(e.code_step_secs)).u8(e.pin_digits).varint(u64::from(e.keep_hours));
        w.str(e.lang.tag());
        w.varint(self.keys.len() as u64);
        for k in &self.keys {
            w.u8(k.key_id().0).bytes(&k.to_bytes());
        }
        w.varint(self.gates.len() as u64);
        for g in &self.gates {
            w.u8(g.id.0).str(&g.name);
        }
        w.varint(self.ticket_types.len() as u64);
        for t in &self.ticket_types {
            let flags = t.policy.ways.refused_bits() | u8::from(t.policy.reentry) << 1;
            w.u8(t.id.0).str(&t.name).u8(flags).varint(t.policy.gates.0);
            w.u32_be(t.policy.valid_from).u32_be(t.policy.valid_until);
        }
        w.varint(self.tickets.len() as u64);
        let mut prev = 0u32;
        for t in &self.tickets {
            // Ids ascend, so store the gap from the previous one (1 byte for sequential ids).
            w.varint(u64::from(t.id.0 - prev));
            prev = t.id.0;
            w.u8(t.ticket_type.0).u8(t.status.code()).varint(t.revision);
            match &t.sealed {
                None => w.u8(0).u32_be(t.pin.value()).bytes(&t.code_secret.0).str(&t.holder),
                Some(s) => {
                    w.u8(1).varint(s.by_credential.len() as u64).bytes(&s.by_credential);
                    match &s.by_pin {
                        None => w.u8(0),
                        Some((tag, name)) => w.u8(1).bytes(tag).varint(name.len() as u64).bytes(name),
                    }
                }
            };
        }
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ManifestError> {
        let mut r = Reader::new(bytes);
        if r.take(3)? != MAGIC {
            return Err(ManifestError::BadMagic);
        }
        let version = r.u8()?;
        if !(2..=MANIFEST_VERSION).contains(&version) {
            return Err(ManifestError::UnsupportedVersion(version));
        }
        let id = EventId(r.u64_be()?);
        let base_revision = r.varint()?;
        let revision = r.varint()?;
        let name = r.str()?;
        let venue = r.str()?;
        let starts_at = r.varint()?;
        let ends_at = r.varint()?;
        let time_zone = r.str()?;
        let code_step_secs = r.varint_u32()?;
        if code_step_secs == 0 {
            return Err(WireError::BadValue("code_step_secs").into());
        }
        let pin_digits = r.u8()?;
        if !(6..=8).contains(&pin_digits) {
            return Err(WireError::BadValue("pin_digits").into());
        }
        let keep_hours = u16::try_from(r.varint()?).map_err(|_| WireError::BadValue("keep_hours"))?;
        let lang = if version >= 4 {
            crate::Lang::from_tag(&r.str()?).ok_or(WireError::BadValue("language"))?
        } else {
            crate::Lang::En
        };
        let event =
            EventInfo { id, name, venue, starts_at, ends_at, time_zone, code_step_secs, pin_digits, keep_hours, lang };
        let mut keys = Vec::new();
        for _ in 0..r.count(33)? {
            let key_id = KeyId(r.u8()?);
            let key =
                EventPublicKey::from_bytes(key_id, &r.array::<32>()?).map_err(|_| ManifestError::BadKey(key_id))?;
            keys.push(key);
        }
        let mut gates = Vec::new();
        for _ in 0..r.count(2)? {
            gates.push(Gate { id: GateId(r.u8()?), name: r.str()? });
        }
        let mut ticket_types = Vec::new();
        for _ in 0..r.count(12)? {
            let id = TicketTypeId(r.u8()?);
            let name = r.str()?;
            let flags = r.u8()?;
            let known = if version == 2 { 0b11 } else { 0b1111 };
            if flags & !known != 0 {
                return Err(WireError::BadValue("ticket type flags").into());
            }
            let ways = match version {
                2 if flags & 1 != 0 => Ways::LIVE_ONLY,
                2 => Ways::ALL,
                _ => Ways::from_refused_bits(flags),
            };
            let gates = GateSet(r.varint()?);
            let valid_from = r.u32_be()?;
            let valid_until = r.u32_be()?;
            if valid_until < valid_from {
                return Err(WireError::BadValue("ticket type validity").into());
            }
            let policy = TypePolicy { ways, reentry: flags & 2 != 0, gates, valid_from, valid_until };
            ticket_types.push(TicketType { id, name, policy });
        }
        let mut tickets = Vec::new();
        let mut prev: u32 = 0;
        for i in 0..r.count(5)? {
            let gap = r.varint_u32()?;
            if gap == 0 && i > 0 {
                return Err(ManifestError::UnsortedTickets);
            }
            let id = prev.checked_add(gap).ok_or(ManifestError::UnsortedTickets)?;
            prev = id;
            let ticket_type = TicketTypeId(r.u8()?);
            let status = TicketStatus::from_code(r.u8()?).ok_or(WireError::BadValue("status"))?;
            let revision = r.varint()?;
            let blank = Pin::new(0, pin_digits).ok_or(WireError::BadValue("pin_digits"))?;
            let (pin, code_secret, holder, sealed) = match r.u8()? {
                0 => {
                    let pin = Pin::new(r.u32_be()?, pin_digits).ok_or(WireError::BadValue("pin"))?;
                    (pin, CodeSecret(r.array::<16>()?), r.str()?, None)
                }
                1 => {
                    let n = r.count(1)?;
                    let by_credential = r.take(n)?.to_vec();
                    let by_pin = match r.u8()? {
                        0 => None,
                        1 => {
                            let tag = r.array::<16>()?;
                            let n = r.count(1)?;
                            Some((tag, r.take(n)?.to_vec()))
                        }
                        _ => return Err(WireError::BadValue("sealed entry").into()),
                    };
                    (blank, CodeSecret([0; 16]), String::new(), Some(Sealed { by_credential, by_pin }))
                }
                _ => return Err(WireError::BadValue("entry form").into()),
            };
            tickets.push(TicketEntry {
                id: TicketId(id),
                holder,
                ticket_type,
                status,
                code_secret,
                pin,
                revision,
                sealed,
            });
        }
        r.finish()?;
        Ok(ManifestDelta { event, base_revision, revision, keys, gates, ticket_types, tickets })
    }
}

/// Holder names lower-cased once, for offline search by name. The lower-casing is the platform's
/// (`fold`): the browser's `toLowerCase` keeps Unicode's case tables out of the scanner's module,
/// natively it is `str::to_lowercase`. `fold` gets all the names at once, joined by newlines, so
/// the browser crosses into JavaScript once per manifest revision, not once per name.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// The manifest revision the names were taken from.
    pub revision: u64,
    names: Vec<(TicketId, String)>,
}

impl NameIndex {
    pub fn new(manifest: &Manifest, fold: impl Fn(&str) -> String) -> Self {
        let joined: Vec<&str> = manifest.tickets.values().map(|t| t.holder.as_str()).collect();
        let folded = fold(&joined.join("\n"));
        let mut lines: Vec<String> = folded.split('\n').map(str::to_string).collect();
        // A name holding a newline (or a fold that changes them) would shift every name after it:
        // fold those names one by one instead.
        if lines.len() != joined.len() {
            lines = joined.iter().map(|name| fold(name)).collect();
        }
        let names = manifest.tickets.keys().copied().zip(lines).collect();
        NameIndex { revision: manifest.revision, names }
    }

    /// The tickets whose holder's name contains every word of `query` (case-insensitive), at most
    /// `limit`, in id order.
    pub fn search<'m>(
        &self,
        manifest: &'m Manifest,
        query: &str,
        limit: usize,
        fold: impl Fn(&str) -> String,
    ) -> Vec<&'m TicketEntry> {
        let query = fold(query);
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        self.names
            .iter()
            .filter(|(_, name)| words.iter().all(|w| name.contains(w)))
            .filter_map(|(id, _)| manifest.ticket(*id))
            .take(limit)
            .collect()
    }
}
