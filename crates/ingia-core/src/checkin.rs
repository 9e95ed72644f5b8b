//! The check-in record: one per scan attempt, admitted or refused, written to the device's
//! outbox before the verdict shows and synced to the server's audit log.
//! Invariant: (device, scan_id) identifies a record everywhere; resending it is harmless.

use alloc::string::String;

use alloc::vec::Vec;

use crate::ids::{DeviceId, EventId, GateId, ScanId, TicketId, UnixMillis};
use crate::proof::Proof;
use crate::verdict::{Presented, RefusalKind, Verdict};
use crate::wire::{Sticky, WireError, Writer};

/// Version 2 adds the proof of presentation; version 1 records (an older app's outbox) still
/// read, with no proof.
const RECORD_VERSION: u8 = 2;

crate::names::named!(Movement {
    Entry = 0 "entry",
    Exit = 1 "exit",
});

/// Which way the holder is going through the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Movement {
    #[default]
    Entry,
    Exit,
}

/// What the device decided for this scan. In JSON: `"admitted"` or `{"refused": "<kind>"}`,
/// and nothing else (`{"admitted": null}` is refused, not read as an admission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum ScanResult {
    Admitted,
    Refused(RefusalKind),
}

impl ScanResult {
    /// `admitted`, or the refusal's slug (API, database, audit export).
    pub fn slug(self) -> &'static str {
        match self {
            ScanResult::Admitted => "admitted",
            ScanResult::Refused(kind) => kind.slug(),
        }
    }
    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "admitted" => Some(ScanResult::Admitted),
            other => RefusalKind::from_slug(other).map(ScanResult::Refused),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ScanResult {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Exactly;
        impl<'de> serde::de::Visitor<'de> for Exactly {
            type Value = ScanResult;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(r#""admitted" or {"refused": "<kind>"}"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScanResult, E> {
                match v {
                    "admitted" => Ok(ScanResult::Admitted),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ScanResult, A::Error> {
                use serde::de::Error;
                let key: Option<alloc::string::String> = map.next_key()?;
                if key.as_deref() != Some("refused") {
                    return Err(A::Error::custom(r#"a result is "admitted" or {"refused": "<kind>"}"#));
                }
                let slug: alloc::string::String = map.next_value()?;
                let kind = RefusalKind::from_slug(&slug).ok_or_else(|| A::Error::custom("unknown refusal kind"))?;
                if map.next_key::<alloc::string::String>()?.is_some() {
                    return Err(A::Error::custom(r#"a refusal has only its "refused" kind"#));
                }
                Ok(ScanResult::Refused(kind))
            }
        }
        d.deserialize_any(Exactly)
    }
}

/// Most characters in the name a record carries as who scanned.
pub const STAFF_NAME_MAX: usize = 40;

/// Why a staff name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadStaffName;

impl core::fmt::Display for BadStaffName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a name is 1 to {STAFF_NAME_MAX} visible letters, digits or spaces")
    }
}

/// Characters that print nothing or reorder text (zero-width, direction overrides and isolates,
/// soft hyphen): a name made of them would hide who scanned in the audit log.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// The one rule for who a record names as the scanner (the device and the server both apply
/// it): trimmed, 1 to [`STAFF_NAME_MAX`] characters, none invisible.
pub fn staff_name(name: &str) -> Result<&str, BadStaffName> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > STAFF_NAME_MAX || name.chars().any(invisible) {
        return Err(BadStaffName);
    }
    Ok(name)
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
    /// What the gate saw (admissions only): the server counts an admission only with it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub proof: Proof,
}

impl CheckIn {
    /// The record for a verdict just shown, with the proof of what was presented (`pin_digits`:
    /// the event's PIN length).
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
        presented: Presented<'_>,
        pin_digits: u8,
    ) -> Self {
        let (ticket, result) = match verdict {
            Verdict::Admit { ticket, .. } => (Some(*ticket), ScanResult::Admitted),
            Verdict::Refuse { ticket, reason } => (*ticket, ScanResult::Refused(reason.kind())),
        };
        let mut record = CheckIn {
            device,
            scan_id,
            event,
            ticket,
            gate,
            staff: String::from(staff),
            at,
            movement,
            result,
            proof: Proof::None,
        };
        record.proof = Proof::of(&record, presented, pin_digits);
        record
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
        self.proof.write(&mut w);
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Sticky::new(bytes);
        let version = r.u8();
        if version != RECORD_VERSION && version != 1 {
            r.fail(WireError::BadValue("record version"));
        }
        let device = DeviceId(r.u32());
        let scan_id = ScanId(r.varint());
        let event = EventId(r.u64_be());
        let ticket = if r.flag() { Some(TicketId(r.u32())) } else { None };
        let gate = GateId(r.u8());
        let staff = r.str();
        let at = UnixMillis(r.varint());
        let movement = r.code(Movement::from_code, "movement");
        let result = match r.u8() {
            0 => ScanResult::Admitted,
            code => match RefusalKind::from_code(code) {
                Some(kind) => ScanResult::Refused(kind),
                None => {
                    r.fail(WireError::BadValue("result"));
                    ScanResult::Admitted
                }
            },
        };
        let proof = if version == 1 { Proof::None } else { Proof::read(&mut r) };
        r.finish(CheckIn { device, scan_id, event, ticket, gate, staff, at, movement, result, proof })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_names_are_visible_and_bounded() {
        assert_eq!(staff_name("  Ngozi Adeyemi "), Ok("Ngozi Adeyemi"));
        assert_eq!(staff_name("Zoë Nakamura-Otieno"), Ok("Zoë Nakamura-Otieno"));
        for bad in ["", "   ", "a\u{202e}b", "\u{200b}\u{200b}", "tab\there", "\u{2066}x\u{2069}"] {
            assert_eq!(staff_name(bad), Err(BadStaffName), "{bad:?}");
        }
        let long = "x".repeat(STAFF_NAME_MAX + 1);
        assert_eq!(staff_name(&long), Err(BadStaffName));
        assert!(staff_name(&long[1..]).is_ok());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn only_exact_json_results_are_read() {
        let read = |s: &str| serde_json::from_str::<ScanResult>(s);
        assert_eq!(read(r#""admitted""#).unwrap(), ScanResult::Admitted);
        assert_eq!(read(r#"{"refused": "forged"}"#).unwrap(), ScanResult::Refused(RefusalKind::Forged));
        for bad in [
            r#"{"admitted": null}"#,
            r#"{"admitted": true}"#,
            r#""refused""#,
            r#"{"refused": "nope"}"#,
            r#"{"refused": "forged", "x": 1}"#,
            "null",
            "1",
            "{}",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&ScanResult::Refused(RefusalKind::Expired)).unwrap();
        assert_eq!(read(&json).unwrap(), ScanResult::Refused(RefusalKind::Expired));
    }

    #[test]
    fn scan_results_read_back_from_their_slugs() {
        assert_eq!(ScanResult::from_slug("admitted"), Some(ScanResult::Admitted));
        for &k in RefusalKind::ALL.iter() {
            assert_eq!(ScanResult::from_slug(ScanResult::Refused(k).slug()), Some(ScanResult::Refused(k)));
        }
        assert_eq!(ScanResult::from_slug("maybe"), None);
    }
}
