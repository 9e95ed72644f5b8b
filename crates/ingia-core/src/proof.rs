//! Proof of presentation, and what the server believes of a device's admission.
//! A gate's admission record carries a digest of what the gate saw: for a QR code, the ticket's
//! signature and (from a phone) its rotating code; for a PIN, the typed PIN. The digest is bound
//! to the record (device, scan id, time, ticket), so one seen ticket proves one record only.
//! [`vouch`] is the one rule the server applies before it counts an admission: a record with a
//! missing or wrong proof, or one the device could not have decided (a ticket type not allowed
//! at its gate, a time outside the ticket's window plus [`CLOCK_TOLERANCE_MS`], a kiosk admitting
//! by PIN or name search, more than [`ADMISSIONS_PER_MINUTE`]) is kept for the audit, not counted.
//! Invariant: the manifest a device downloads carries no signature, so a device token alone
//! cannot make a QR proof; comparing digests never exits early.

use crate::checkin::{CheckIn, Movement};
use crate::ids::{Role, UnixMillis};
use crate::manifest::TypePolicy;
use crate::pin::Pin;
use crate::rotating::{code_for, step_at, CodeSecret, STEP_TOLERANCE};
use crate::token::{SignedCredential, TicketToken};
use crate::verdict::Presented;
use crate::wire::{Sticky, Writer};

/// Bytes of a proof digest (128 bits: not guessable).
pub const DIGEST_LEN: usize = 16;
/// How far a record's time may lie outside its ticket's window (or ahead of the server's clock)
/// and still be believed: devices correct their clocks from the server, but drift offline.
pub const CLOCK_TOLERANCE_MS: u64 = 10 * 60 * 1000;
/// Admissions one device may make in any minute of scan time: a fast steward scans one person
/// every 3 to 4 seconds; twice that is not a human at a gate.
pub const ADMISSIONS_PER_MINUTE: u32 = 40;

/// What the gate saw, as the record carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Proof {
    /// Nothing: a refusal, or a record from an app older than proofs.
    #[default]
    None,
    /// A scanned ticket: the rotating code's step when the code came from a phone, and the
    /// digest of the signature (and code).
    Qr { step: Option<u32>, digest: [u8; DIGEST_LEN] },
    /// A typed PIN (at the gate, or found by name search and admitted by a supervisor).
    Pin { digest: [u8; DIGEST_LEN] },
    /// A PIN sent by SMS or USSD from the number on file: made by the server's phone channel
    /// only.
    Phone { digest: [u8; DIGEST_LEN] },
}

/// Who made a record: a paired device at a gate, or the server's own SMS and USSD channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Gate(Role),
    Phone,
}

/// The digest: HMAC-SHA-256 keyed by what the gate saw, over a domain string and the record
/// fields the proof is bound to, truncated to [`DIGEST_LEN`].
fn bind(domain: &[u8], record: &CheckIn, secret: &[u8]) -> [u8; DIGEST_LEN] {
    let ticket = record.ticket.map_or(u32::MAX, |t| t.0);
    let full = crate::seal::mac(
        secret,
        &[
            domain,
            &record.device.0.to_be_bytes(),
            &record.scan_id.0.to_be_bytes(),
            &record.at.0.to_be_bytes(),
            &ticket.to_be_bytes(),
            &[record.movement.code()],
        ],
    );
    let mut out = [0u8; DIGEST_LEN];
    out.copy_from_slice(&full[..DIGEST_LEN]);
    out
}

fn qr_digest(record: &CheckIn, signature: &[u8; 64], code: Option<u32>) -> [u8; DIGEST_LEN] {
    let mut secret = [0u8; 68];
    secret[..64].copy_from_slice(signature);
    secret[64..].copy_from_slice(&code.unwrap_or(u32::MAX).to_be_bytes());
    bind(b"ingia proof v1 qr", record, &secret)
}

fn pin_digest(record: &CheckIn, pin: Pin, domain: &[u8]) -> [u8; DIGEST_LEN] {
    let mut secret = [0u8; 5];
    secret[..4].copy_from_slice(&pin.value().to_be_bytes());
    secret[4] = pin.digits();
    bind(domain, record, &secret)
}

const PIN_DOMAIN: &[u8] = b"ingia proof v1 pin";
const PHONE_DOMAIN: &[u8] = b"ingia proof v1 phone";

impl Proof {
    /// The proof for `record` (whose other fields are final) of what was presented; `None`
    /// for a refusal or input that names no ticket.
    pub fn of(record: &CheckIn, presented: Presented<'_>, pin_digits: u8) -> Proof {
        if !record.is_admission() {
            return Proof::None;
        }
        match presented {
            Presented::Qr(text) => match TicketToken::parse(text) {
                Ok(t) => Proof::Qr {
                    step: t.rotating.map(|c| c.step),
                    digest: qr_digest(record, &t.signed.signature, t.rotating.map(|c| c.code)),
                },
                Err(_) => Proof::None,
            },
            Presented::Pin(text) => match Pin::parse(text, pin_digits) {
                Ok(pin) => Proof::Pin { digest: pin_digest(record, pin, PIN_DOMAIN) },
                Err(_) => Proof::None,
            },
            Presented::Phone(text) => match Pin::parse(text, pin_digits) {
                Ok(pin) => Proof::Phone { digest: pin_digest(record, pin, PHONE_DOMAIN) },
                Err(_) => Proof::None,
            },
        }
    }

    /// The proof alone, as the server's audit keeps it (the record's encoding of it).
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// The proof back from [`Proof::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, crate::wire::WireError> {
        let mut r = Sticky::new(bytes);
        let proof = Proof::read(&mut r);
        r.finish(proof)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        match self {
            Proof::None => w.u8(0),
            Proof::Qr { step: None, digest } => w.u8(1).bytes(digest),
            Proof::Qr { step: Some(step), digest } => w.u8(2).varint(u64::from(*step)).bytes(digest),
            Proof::Pin { digest } => w.u8(3).bytes(digest),
            Proof::Phone { digest } => w.u8(4).bytes(digest),
        };
    }

    pub(crate) fn read(r: &mut Sticky<'_>) -> Proof {
        let kind = r.u8();
        let step = (kind == 2).then(|| r.u32());
        let digest = |r: &mut Sticky<'_>| {
            let mut d = [0u8; DIGEST_LEN];
            let taken = r.take(DIGEST_LEN);
            if taken.len() == DIGEST_LEN {
                d.copy_from_slice(taken);
            }
            d
        };
        match kind {
            0 => Proof::None,
            1 | 2 => Proof::Qr { step, digest: digest(r) },
            3 => Proof::Pin { digest: digest(r) },
            4 => Proof::Phone { digest: digest(r) },
            _ => {
                r.fail(crate::wire::WireError::BadValue("proof"));
                Proof::None
            }
        }
    }
}

crate::names::named!(Doubt {
    NoProof = 1 "no_proof",
    WrongProof = 2 "wrong_proof",
    StaleCode = 3 "stale_code",
    CodeRequired = 4 "code_required",
    WrongGate = 5 "wrong_gate",
    OutsideWindow = 6 "outside_window",
    KioskByName = 7 "kiosk_by_name",
    OverCeiling = 8 "over_ceiling",
    WayNotAccepted = 9 "way_not_accepted",
});

/// Why the server does not count a device's admission (the record is kept for the audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Doubt {
    /// The record carries no proof of what was scanned.
    #[default]
    NoProof,
    /// The proof is not of this ticket: the gate never saw it.
    WrongProof,
    /// The rotating code's step is too far from the record's time.
    StaleCode,
    /// This ticket needs the live code from the phone, and the proof has none (or is a PIN).
    CodeRequired,
    /// This ticket's type does not enter at the record's gate.
    WrongGate,
    /// Dated outside the ticket's window, or ahead of the server, by more than the tolerance.
    OutsideWindow,
    /// A kiosk admits by scanned code only; it has no PIN entry and no name search.
    KioskByName,
    /// The device admitted more than a human could in a minute.
    OverCeiling,
    /// A PIN (typed, or by SMS or USSD) for a ticket whose type does not accept that way in.
    WayNotAccepted,
}

/// What the server holds of a ticket, to check a proof against.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub credential: &'a SignedCredential,
    pub code_secret: &'a CodeSecret,
    pub pin: Pin,
    pub policy: &'a TypePolicy,
    pub step_secs: u32,
}

fn same(a: &[u8; DIGEST_LEN], b: &[u8; DIGEST_LEN]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the server believes `record` (an admission, made by `source`), received at the
/// server's `now`.
pub fn vouch(record: &CheckIn, source: Source, evidence: &Evidence<'_>, now: UnixMillis) -> Result<(), Doubt> {
    let policy = evidence.policy;
    match (source, &record.proof) {
        (Source::Gate(Role::Kiosk), Proof::Pin { .. }) => return Err(Doubt::KioskByName),
        // Only the server's phone channel speaks for a phone, and it speaks of nothing else.
        (Source::Gate(_), Proof::Phone { .. }) => return Err(Doubt::WrongProof),
        (Source::Phone, Proof::Qr { .. } | Proof::Pin { .. }) => return Err(Doubt::WrongProof),
        _ => {}
    }
    let from = u64::from(policy.valid_from.max(evidence.credential.credential.valid_from)) * 1000;
    let until = (u64::from(policy.valid_until.min(evidence.credential.credential.valid_until)) + 1) * 1000;
    let at = record.at.0;
    // An exit may come after the window closes (people leave late); an entry may not.
    let late = record.movement == Movement::Entry && at >= until.saturating_add(CLOCK_TOLERANCE_MS);
    if at.saturating_add(CLOCK_TOLERANCE_MS) < from || late || at > now.0.saturating_add(CLOCK_TOLERANCE_MS) {
        return Err(Doubt::OutsideWindow);
    }
    if !policy.gates.allows(record.gate) {
        return Err(Doubt::WrongGate);
    }
    let code_required = !policy.ways.printed || evidence.credential.credential.flags.code_required();
    match record.proof {
        Proof::None => Err(Doubt::NoProof),
        Proof::Pin { .. } if !policy.ways.pin => Err(Doubt::WayNotAccepted),
        Proof::Phone { .. } if !policy.ways.phone => Err(Doubt::WayNotAccepted),
        Proof::Pin { digest } => {
            same(&digest, &pin_digest(record, evidence.pin, PIN_DOMAIN)).then_some(()).ok_or(Doubt::WrongProof)
        }
        Proof::Phone { digest } => {
            same(&digest, &pin_digest(record, evidence.pin, PHONE_DOMAIN)).then_some(()).ok_or(Doubt::WrongProof)
        }
        Proof::Qr { step: None, .. } if code_required => Err(Doubt::CodeRequired),
        Proof::Qr { step, digest } => {
            let code = step.map(|s| code_for(evidence.code_secret, s));
            if !same(&digest, &qr_digest(record, &evidence.credential.signature, code)) {
                return Err(Doubt::WrongProof);
            }
            match step {
                Some(s) if step_at(record.at, evidence.step_secs).abs_diff(s) > STEP_TOLERANCE => Err(Doubt::StaleCode),
                _ => Ok(()),
            }
        }
    }
}

/// Whether one more admission by a device that already has `in_last_minute` counted
/// admissions in the minute of scan time before it stays within [`ADMISSIONS_PER_MINUTE`].
pub fn within_ceiling(in_last_minute: u32) -> Result<(), Doubt> {
    (in_last_minute < ADMISSIONS_PER_MINUTE).then_some(()).ok_or(Doubt::OverCeiling)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkin::ScanResult;
    use crate::ids::{DeviceId, GateId, ScanId, TicketTypeId};
    use crate::issue::Issued;
    use crate::manifest::Ways;
    use crate::rotating::current_code;
    use crate::sample::{sample_event, SampleEvent, GENERAL, MAIN_GATE, PRINTED, SAMPLE_DOORS, VIP, VIP_GATE};
    use crate::verdict::{Presented, Verdict};
    use alloc::string::{String, ToString};

    const T: UnixMillis = UnixMillis((SAMPLE_DOORS as u64 + 7_200) * 1000);

    fn of_type(ev: &SampleEvent, t: TicketTypeId) -> &Issued {
        ev.issued.iter().find(|i| i.entry.ticket_type == t).unwrap()
    }

    fn record(ev: &SampleEvent, issued: &Issued, gate: GateId, at: UnixMillis, presented: Presented<'_>) -> CheckIn {
        let verdict = Verdict::Admit { ticket: issued.entry.id, movement: Movement::Entry, reentry: false };
        let (device, scan) = (DeviceId(4), ScanId(17));
        CheckIn::from_verdict(
            device,
            scan,
            ev.manifest.event.id,
            gate,
            "Ada",
            at,
            Movement::Entry,
            &verdict,
            presented,
            ev.manifest.event.pin_digits,
        )
    }

    fn vouch_as(ev: &SampleEvent, issued: &Issued, role: Role, r: &CheckIn) -> Result<(), Doubt> {
        let policy = ev.manifest.ticket_type(issued.entry.ticket_type).unwrap().policy;
        vouch_from(ev, issued, Source::Gate(role), policy, r)
    }

    fn live(ev: &SampleEvent, issued: &Issued, at: UnixMillis) -> String {
        issued
            .credential
            .with_code(current_code(&issued.entry.code_secret, at, ev.manifest.event.code_step_secs))
            .to_text()
    }

    #[test]
    fn what_the_gate_saw_is_believed_and_nothing_else() {
        let ev = sample_event(5, 30);
        let general = of_type(&ev, GENERAL);
        let text = live(&ev, general, T);
        let good = record(&ev, general, MAIN_GATE, T, Presented::Qr(&text));
        assert!(matches!(good.proof, Proof::Qr { step: Some(_), .. }));
        assert_eq!(vouch_as(&ev, general, Role::Steward, &good), Ok(()));
        assert_eq!(vouch_as(&ev, general, Role::Kiosk, &good), Ok(()), "a kiosk admits scanned codes");
        // The proof survives the record's encoding.
        assert_eq!(CheckIn::decode(&good.encode()).unwrap(), good);

        // No proof, another ticket's proof, a changed record, a changed digest: not believed.
        let mut none = good.clone();
        none.proof = Proof::None;
        assert_eq!(vouch_as(&ev, general, Role::Steward, &none), Err(Doubt::NoProof));
        let other =
            ev.issued.iter().find(|i| i.entry.ticket_type == GENERAL && i.entry.id != general.entry.id).unwrap();
        let theirs = live(&ev, other, T);
        let mut swapped = record(&ev, general, MAIN_GATE, T, Presented::Qr(&theirs));
        swapped.ticket = Some(general.entry.id);
        assert_eq!(vouch_as(&ev, general, Role::Steward, &swapped), Err(Doubt::WrongProof));
        let mut moved = good.clone();
        moved.scan_id = ScanId(18);
        assert_eq!(vouch_as(&ev, general, Role::Steward, &moved), Err(Doubt::WrongProof), "one proof, one record");
        let mut flipped = good.clone();
        if let Proof::Qr { digest, .. } = &mut flipped.proof {
            digest[3] ^= 1;
        }
        assert_eq!(vouch_as(&ev, general, Role::Steward, &flipped), Err(Doubt::WrongProof));

        // A live-code ticket shown as printed, or by PIN, is not enough.
        let printed_form = general.credential.static_token().to_text();
        let r = record(&ev, general, MAIN_GATE, T, Presented::Qr(&printed_form));
        assert_eq!(vouch_as(&ev, general, Role::Steward, &r), Err(Doubt::CodeRequired));
        let pin = general.entry.pin.to_string();
        let r = record(&ev, general, MAIN_GATE, T, Presented::Pin(&pin));
        assert_eq!(vouch_as(&ev, general, Role::Steward, &r), Err(Doubt::WayNotAccepted));

        // A code from ten minutes before the record's time: replayed.
        let old = live(&ev, general, UnixMillis(T.0 - 600_000));
        let r = record(&ev, general, MAIN_GATE, T, Presented::Qr(&old));
        assert_eq!(vouch_as(&ev, general, Role::Steward, &r), Err(Doubt::StaleCode));
    }

    fn vouch_from(
        ev: &SampleEvent,
        issued: &Issued,
        source: Source,
        policy: TypePolicy,
        r: &CheckIn,
    ) -> Result<(), Doubt> {
        let evidence = Evidence {
            credential: &issued.credential,
            code_secret: &issued.entry.code_secret,
            pin: issued.entry.pin,
            policy: &policy,
            step_secs: ev.manifest.event.code_step_secs,
        };
        vouch(r, source, &evidence, T)
    }

    #[test]
    fn a_phone_proof_comes_from_the_phone_channel_only_and_for_types_that_take_it() {
        let ev = sample_event(6, 30);
        let printed = of_type(&ev, PRINTED);
        let policy = ev.manifest.ticket_type(PRINTED).unwrap().policy;
        let pin = printed.entry.pin.to_string();
        let by_phone = record(&ev, printed, MAIN_GATE, T, Presented::Phone(&pin));
        assert!(matches!(by_phone.proof, Proof::Phone { .. }));
        assert_eq!(vouch_from(&ev, printed, Source::Phone, policy, &by_phone), Ok(()));
        // A paired device cannot claim a phone sent it (it knows PINs from its manifest).
        for role in [Role::Steward, Role::Supervisor, Role::Kiosk] {
            assert_eq!(vouch_from(&ev, printed, Source::Gate(role), policy, &by_phone), Err(Doubt::WrongProof));
        }
        // The phone channel speaks of phones only.
        let typed = record(&ev, printed, MAIN_GATE, T, Presented::Pin(&pin));
        assert_eq!(vouch_from(&ev, printed, Source::Phone, policy, &typed), Err(Doubt::WrongProof));
        // A phone proof is not a typed PIN's: the domains differ.
        let mut relabelled = typed.clone();
        if let Proof::Pin { digest } = typed.proof {
            relabelled.proof = Proof::Phone { digest };
        }
        assert_eq!(vouch_from(&ev, printed, Source::Phone, policy, &relabelled), Err(Doubt::WrongProof));
        // A type that takes PINs at the gate but not by phone, and the reverse.
        let no_phone = TypePolicy { ways: Ways { phone: false, ..Ways::ALL }, ..policy };
        assert_eq!(vouch_from(&ev, printed, Source::Phone, no_phone, &by_phone), Err(Doubt::WayNotAccepted));
        assert_eq!(vouch_from(&ev, printed, Source::Gate(Role::Steward), no_phone, &typed), Ok(()));
        let no_pin = TypePolicy { ways: Ways { pin: false, ..Ways::ALL }, ..policy };
        assert_eq!(vouch_from(&ev, printed, Source::Gate(Role::Steward), no_pin, &typed), Err(Doubt::WayNotAccepted));
        assert_eq!(vouch_from(&ev, printed, Source::Phone, no_pin, &by_phone), Ok(()));
        // The encoding keeps the kind.
        assert_eq!(CheckIn::decode(&by_phone.encode()).unwrap(), by_phone);
    }

    #[test]
    fn pins_gates_times_and_kiosks() {
        let ev = sample_event(6, 30);
        let printed = of_type(&ev, PRINTED);
        let pin = printed.entry.pin.to_string();
        let r = record(&ev, printed, MAIN_GATE, T, Presented::Pin(&pin));
        assert_eq!(vouch_as(&ev, printed, Role::Steward, &r), Ok(()));
        assert_eq!(vouch_as(&ev, printed, Role::Supervisor, &r), Ok(()));
        assert_eq!(vouch_as(&ev, printed, Role::Kiosk, &r), Err(Doubt::KioskByName));
        let wrong =
            Pin::new((printed.entry.pin.value() + 1) % 1_000_000, printed.entry.pin.digits()).unwrap().to_string();
        let r = record(&ev, printed, MAIN_GATE, T, Presented::Pin(&wrong));
        assert_eq!(vouch_as(&ev, printed, Role::Steward, &r), Err(Doubt::WrongProof));
        let text = printed.credential.static_token().to_text();
        assert_eq!(
            vouch_as(&ev, printed, Role::Steward, &record(&ev, printed, MAIN_GATE, T, Presented::Qr(&text))),
            Ok(())
        );

        // A VIP ticket at the main gate: the device could not have admitted it.
        let vip = of_type(&ev, VIP);
        let text = live(&ev, vip, T);
        assert_eq!(
            vouch_as(&ev, vip, Role::Steward, &record(&ev, vip, MAIN_GATE, T, Presented::Qr(&text))),
            Err(Doubt::WrongGate)
        );
        assert_eq!(vouch_as(&ev, vip, Role::Steward, &record(&ev, vip, VIP_GATE, T, Presented::Qr(&text))), Ok(()));

        // Dated 1970, a day before the doors, or ahead of the server: outside the window.
        let text = printed.credential.static_token().to_text();
        for at in [
            UnixMillis(0),
            UnixMillis(u64::from(SAMPLE_DOORS) * 1000 - 86_400_000),
            UnixMillis(T.0 + CLOCK_TOLERANCE_MS + 1),
        ] {
            let r = record(&ev, printed, MAIN_GATE, at, Presented::Qr(&text));
            assert_eq!(vouch_as(&ev, printed, Role::Steward, &r), Err(Doubt::OutsideWindow), "{at:?}");
        }
        // Within the tolerance of the server's clock: believed.
        let r = record(&ev, printed, MAIN_GATE, UnixMillis(T.0 + CLOCK_TOLERANCE_MS - 1), Presented::Qr(&text));
        assert_eq!(vouch_as(&ev, printed, Role::Steward, &r), Ok(()));
        // A refusal carries no proof.
        let mut refused = r.clone();
        refused.result = ScanResult::Refused(crate::verdict::RefusalKind::Forged);
        assert_eq!(Proof::of(&refused, Presented::Qr(&text), 6), Proof::None);
    }

    #[test]
    fn the_ceiling_is_a_human_pace() {
        assert_eq!(within_ceiling(0), Ok(()));
        assert_eq!(within_ceiling(ADMISSIONS_PER_MINUTE - 1), Ok(()));
        assert_eq!(within_ceiling(ADMISSIONS_PER_MINUTE), Err(Doubt::OverCeiling));
    }
}
