//! The attendee's wallet: a ticket as the holder's phone keeps it (fetched once, then offline),
//! and the token its QR code shows at a given moment: the signed credential plus the rotating
//! code of the current step, so a screenshot is stale within a step or two.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::manifest::Ways;
use crate::rotating::{code_for, ms_until_next_step, step_at, CodeSecret, RotatingCode};
use crate::token::{SignedCredential, TicketToken};
use crate::wire::{Reader, WireError, Writer};
use crate::{Lang, UnixMillis};

/// The server's answer to a wallet link (`POST /api/wallet`, JSON): the one shape the server
/// writes and the wallet page reads, before the phone keeps it as a [`WalletTicket`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WalletAnswer {
    pub event_id: String,
    pub event_name: String,
    pub venue: String,
    /// Unix seconds.
    pub starts_at: u64,
    pub ends_at: u64,
    pub time_zone: String,
    pub ticket_id: u32,
    pub holder: String,
    pub ticket_type: String,
    pub status: String,
    /// The signed static credential, as QR text.
    pub credential: String,
    /// The rotating-code secret (hex). Only the holder's wallet and the scanners have it.
    pub code_secret: String,
    pub code_step_secs: u32,
    /// Empty when the ticket's type takes no PIN (neither at a gate nor by SMS).
    pub pin: String,
    /// The ways in the ticket's type accepts besides the live code.
    #[cfg_attr(feature = "serde", serde(default))]
    pub ways: Ways,
    /// The server's clock (Unix ms) as it answered: the wallet's codes follow it.
    pub server_time: u64,
    /// The attendee's language (a tag: theirs, else the event's); empty from an older server.
    #[cfg_attr(feature = "serde", serde(default))]
    pub lang: String,
}

impl WalletAnswer {
    /// The ticket as the phone keeps it; `device_mid` is the phone's clock halfway through the
    /// request (when the answer left the server, as near as the phone can tell).
    pub fn into_ticket(self, device_mid: u64) -> Result<WalletTicket, WalletError> {
        let pass = WalletPass::new(&self.credential, &self.code_secret, self.code_step_secs)?;
        Ok(WalletTicket {
            event_id: self.event_id,
            event_name: self.event_name,
            venue: self.venue,
            starts_at: self.starts_at,
            time_zone: self.time_zone,
            ticket_id: self.ticket_id,
            holder: self.holder,
            ticket_type: self.ticket_type,
            status: self.status,
            pin: self.pin,
            ways: self.ways,
            pass,
            clock_offset_ms: self.server_time as i64 - device_mid as i64,
            lang: Lang::from_tag(&self.lang),
        })
    }
}

/// What the wallet needs to show a live code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletPass {
    pub signed: SignedCredential,
    pub secret: CodeSecret,
    pub step_secs: u32,
}

/// Why a wallet answer cannot be kept. Never echoes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletError {
    Credential,
    Secret,
    Step,
}

impl core::fmt::Display for WalletError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            WalletError::Credential => "the ticket's credential is not a valid Ingia token",
            WalletError::Secret => "the ticket's code secret is malformed",
            WalletError::Step => "the ticket's code step is out of range",
        })
    }
}

fn hex16(s: &str) -> Option<[u8; 16]> {
    let s = s.as_bytes();
    if s.len() != 32 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nibble(s[2 * i])? << 4 | nibble(s[2 * i + 1])?;
    }
    Some(out)
}

impl WalletPass {
    /// From the server's wallet answer: the static token text, the secret in hex, the step.
    pub fn new(credential: &str, secret_hex: &str, step_secs: u32) -> Result<Self, WalletError> {
        let token = TicketToken::parse(credential).map_err(|_| WalletError::Credential)?;
        let secret = CodeSecret(hex16(secret_hex).ok_or(WalletError::Secret)?);
        if !(5..=3600).contains(&step_secs) {
            return Err(WalletError::Step);
        }
        Ok(WalletPass { signed: token.signed, secret, step_secs })
    }

    /// The token the QR code shows at `now` (server time).
    pub fn token_at(&self, now: UnixMillis) -> TicketToken {
        self.token_for_step(self.step_at(now))
    }

    /// The step at `now` (server time): the code changes when it does.
    pub fn step_at(&self, now: UnixMillis) -> u32 {
        step_at(now, self.step_secs)
    }

    /// The token the QR code shows during `step`.
    pub fn token_for_step(&self, step: u32) -> TicketToken {
        self.signed.with_code(RotatingCode { step, code: code_for(&self.secret, step) })
    }

    /// Milliseconds until the code changes (the countdown).
    pub fn ms_until_change(&self, now: UnixMillis) -> u64 {
        ms_until_next_step(now, self.step_secs)
    }
}

/// A ticket in the wallet: the live pass and what the screen shows around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletTicket {
    pub event_id: String,
    pub event_name: String,
    pub venue: String,
    /// Unix seconds.
    pub starts_at: u64,
    pub time_zone: String,
    pub ticket_id: u32,
    pub holder: String,
    pub ticket_type: String,
    pub status: String,
    pub pin: String,
    pub ways: Ways,
    pub pass: WalletPass,
    /// `server time - phone time` when the ticket was fetched: the code follows the server's
    /// clock even on a phone whose clock is wrong.
    pub clock_offset_ms: i64,
    /// The attendee's language, as the server said (`None`: it did not).
    pub lang: Option<Lang>,
}

/// Version 2 adds the ways in (a version 1 ticket, kept before, takes every way); version 3
/// the attendee's language.
const VERSION: u8 = 3;

impl WalletTicket {
    /// Server time for a phone time.
    pub fn server_now(&self, device_now: u64) -> UnixMillis {
        UnixMillis(device_now.saturating_add_signed(self.clock_offset_ms))
    }

    /// What the wallet says of the PIN, when the type takes one: where it works.
    pub fn pin_label(&self, lang: Lang) -> Option<&'static str> {
        if self.pin.is_empty() {
            return None;
        }
        self.ways.pin_label(lang)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(VERSION).str(&self.event_id).str(&self.event_name).str(&self.venue).varint(self.starts_at);
        w.str(&self.time_zone).varint(u64::from(self.ticket_id)).str(&self.holder).str(&self.ticket_type);
        w.str(&self.status).str(&self.pin).bytes(&self.pass.signed.static_token().to_bytes());
        w.bytes(&self.pass.secret.0).varint(u64::from(self.pass.step_secs)).str(&self.clock_offset_ms.to_string());
        w.u8(self.ways.bits());
        w.str(self.lang.map_or("", Lang::tag));
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if !(1..=VERSION).contains(&version) {
            return Err(WireError::BadValue("wallet version"));
        }
        let (event_id, event_name, venue, starts_at) = (r.str()?, r.str()?, r.str()?, r.varint()?);
        let (time_zone, ticket_id, holder, ticket_type) = (r.str()?, r.varint_u32()?, r.str()?, r.str()?);
        let (status, pin) = (r.str()?, r.str()?);
        let token = TicketToken::from_bytes(r.take(crate::token::STATIC_TOKEN_LEN)?)
            .map_err(|_| WireError::BadValue("wallet credential"))?;
        let secret = CodeSecret(r.array::<16>()?);
        let step_secs = r.varint_u32()?;
        let clock_offset_ms = r.str()?.parse().map_err(|_| WireError::BadValue("wallet clock offset"))?;
        let ways = if version == 1 { Ways::ALL } else { Ways::from_bits(r.u8()?) };
        let lang = if version >= 3 { Lang::from_tag(&r.str()?) } else { None };
        r.finish()?;
        Ok(WalletTicket {
            event_id,
            event_name,
            venue,
            starts_at,
            time_zone,
            ticket_id,
            holder,
            ticket_type,
            status,
            pin,
            ways,
            pass: WalletPass { signed: token.signed, secret, step_secs },
            clock_offset_ms,
            lang,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{sample_event, SAMPLE_DOORS};
    use crate::{validate, GateId, Ledger, Movement, Presented, RefusalKind, Scan, Verdict};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| alloc::format!("{x:02x}")).collect()
    }

    #[test]
    fn the_wallet_code_admits_now_and_a_screenshot_goes_stale() {
        let ev = sample_event(4, 2);
        let t = &ev.issued[0];
        let pass = WalletPass::new(&t.credential.static_token().to_text(), &hex(&t.entry.code_secret.0), 30).unwrap();
        let now = UnixMillis::from_secs(SAMPLE_DOORS as u64 + 600);
        let decide = |text: &str, at: UnixMillis| {
            validate(
                &Scan { presented: Presented::Qr(text), movement: Movement::Entry },
                &ev.manifest,
                &Ledger::new(),
                GateId(1),
                at,
            )
        };
        let live = pass.token_at(now).to_text();
        assert!(matches!(decide(&live, now), Verdict::Admit { .. }), "{:?}", decide(&live, now));
        // Shown 30 s later the code has changed; a screenshot from two steps ago is refused.
        assert_ne!(pass.token_at(UnixMillis(now.0 + 30_000)).to_text(), live);
        let screenshot = pass.token_at(UnixMillis(now.0 - 60_000)).to_text();
        match decide(&screenshot, now) {
            Verdict::Refuse { reason, .. } => assert_eq!(reason.kind(), RefusalKind::StaleCode),
            other => panic!("a two-step-old code was not refused: {other:?}"),
        }
        assert_eq!(pass.ms_until_change(UnixMillis(30_000 * 7 + 12_000)), 18_000);
        assert_eq!(pass.token_at(now), pass.token_for_step(pass.step_at(now)));
        assert_eq!(pass.token_at(now).rotating, Some(crate::rotating::current_code(&pass.secret, now, 30)));
    }

    #[test]
    fn bad_answers_are_refused_and_stored_tickets_round_trip() {
        let ev = sample_event(2, 1);
        let t = &ev.issued[0];
        let text = t.credential.static_token().to_text();
        let secret = hex(&t.entry.code_secret.0);
        assert_eq!(WalletPass::new("INGIA:xyz", &secret, 30), Err(WalletError::Credential));
        assert_eq!(WalletPass::new(&text, &secret[1..], 30), Err(WalletError::Secret));
        assert_eq!(WalletPass::new(&text, &secret.replace(&secret[..1], "g"), 30), Err(WalletError::Secret));
        assert_eq!(WalletPass::new(&text, &secret, 0), Err(WalletError::Step));
        let w = WalletTicket {
            event_id: "18446744073709551615".into(),
            event_name: "Lagos Live".into(),
            venue: "Tafawa Balewa Square".into(),
            starts_at: SAMPLE_DOORS as u64,
            time_zone: "Africa/Lagos".into(),
            ticket_id: 7,
            holder: "Ngozi Adeyemi".into(),
            ticket_type: "General".into(),
            status: "active".into(),
            pin: "123456".into(),
            ways: Ways { printed: false, pin: false, phone: true },
            pass: WalletPass::new(&text, &secret, 30).unwrap(),
            clock_offset_ms: -93_000,
            lang: Some(Lang::Sw),
        };
        let bytes = w.encode();
        assert_eq!(WalletTicket::decode(&bytes).unwrap(), w);
        assert_eq!(w.pin_label(Lang::En), Some("PIN for SMS check-in"));
        assert_eq!(w.pin_label(Lang::Fr), Some("Code PIN pour l'entrée par SMS"));
        assert_eq!(WalletTicket { ways: Ways::LIVE_ONLY, ..w.clone() }.pin_label(Lang::En), None);
        assert_eq!(WalletTicket { pin: String::new(), ..w.clone() }.pin_label(Lang::En), None);
        // Tickets kept by earlier versions: before ways (every way, as it was then), before
        // languages (none said).
        let mut v2 = bytes[..bytes.len() - 3].to_vec(); // the tag "sw" and its length
        v2[0] = 2;
        assert_eq!(WalletTicket::decode(&v2).unwrap(), WalletTicket { lang: None, ..w.clone() });
        let mut v1 = v2.clone();
        v1[0] = 1;
        v1.pop();
        assert_eq!(WalletTicket::decode(&v1).unwrap(), WalletTicket { ways: Ways::ALL, lang: None, ..w.clone() });
        assert_eq!(w.server_now(100_000), UnixMillis(7_000));
        for cut in 0..bytes.len() {
            assert!(WalletTicket::decode(&bytes[..cut]).is_err());
        }
    }
}
