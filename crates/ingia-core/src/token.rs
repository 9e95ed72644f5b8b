//! Ticket token v1: the signed static credential, the optional rotating part, and the QR text
//! form (`INGIA:` + Base45, RFC 9285). Byte layout in docs/token-format.md.
//! Invariant: `parse` accepts exactly the byte strings `to_bytes` produces (canonical text, known
//! version and form, reserved bits zero); everything else is a typed [`TokenError`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::ids::{EventId, KeyId, TicketId, TicketTypeId, UnixMillis};
use crate::keys::{EventPublicKey, EventSigningKey};
use crate::rotating::{is_code_in_range, RotatingCode};
use crate::wire::{Reader, WireError, Writer};

/// Format version in the high nibble of the header byte.
pub const TOKEN_VERSION: u8 = 1;
/// Prefix of the QR text form: tells an Ingia ticket from any other QR code at a glance.
pub const TEXT_PREFIX: &str = "INGIA:";
/// Bytes of the signed credential fields.
pub const CREDENTIAL_LEN: usize = 23;
/// Bytes of a static token: header + credential + signature.
pub const STATIC_TOKEN_LEN: usize = 1 + CREDENTIAL_LEN + 64;
/// Bytes of a token with its rotating part.
pub const ROTATING_TOKEN_LEN: usize = STATIC_TOKEN_LEN + 8;

const FORM_STATIC: u8 = 0;
const FORM_ROTATING: u8 = 1;

/// Policy bits signed into the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PolicyFlags(u8);

impl PolicyFlags {
    /// The ticket must be shown with a fresh rotating code; a printed static code is refused.
    pub const CODE_REQUIRED: u8 = 0b01;
    /// After an exit scan, the holder may enter again.
    pub const REENTRY: u8 = 0b10;
    const KNOWN: u8 = Self::CODE_REQUIRED | Self::REENTRY;

    pub fn new(code_required: bool, reentry: bool) -> Self {
        let mut bits = 0;
        if code_required {
            bits |= Self::CODE_REQUIRED;
        }
        if reentry {
            bits |= Self::REENTRY;
        }
        PolicyFlags(bits)
    }
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits & !Self::KNOWN == 0).then_some(PolicyFlags(bits))
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn code_required(self) -> bool {
        self.0 & Self::CODE_REQUIRED != 0
    }
    pub fn reentry(self) -> bool {
        self.0 & Self::REENTRY != 0
    }
}

/// The static credential: what the event's key vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    pub key_id: KeyId,
    pub event: EventId,
    pub ticket: TicketId,
    pub ticket_type: TicketTypeId,
    /// First second (Unix, UTC) the ticket admits.
    pub valid_from: u32,
    /// Last second (Unix, UTC) the ticket admits.
    pub valid_until: u32,
    pub flags: PolicyFlags,
}

impl Credential {
    /// The 23 signed bytes (the signature also covers the v1 context string).
    pub fn signed_bytes(&self) -> [u8; CREDENTIAL_LEN] {
        let mut w = Writer::new();
        w.u8(self.key_id.0)
            .u64_be(self.event.0)
            .u32_be(self.ticket.0)
            .u8(self.ticket_type.0)
            .u32_be(self.valid_from)
            .u32_be(self.valid_until)
            .u8(self.flags.bits());
        let mut out = [0u8; CREDENTIAL_LEN];
        out.copy_from_slice(&w.buf);
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, TokenError> {
        let key_id = KeyId(r.u8()?);
        let event = EventId(r.u64_be()?);
        let ticket = TicketId(r.u32_be()?);
        let ticket_type = TicketTypeId(r.u8()?);
        let valid_from = r.u32_be()?;
        let valid_until = r.u32_be()?;
        let flags = PolicyFlags::from_bits(r.u8()?).ok_or(TokenError::ReservedBits)?;
        if valid_until < valid_from {
            return Err(TokenError::EmptyValidity);
        }
        Ok(Credential { key_id, event, ticket, ticket_type, valid_from, valid_until, flags })
    }

    /// Signs this credential with the event key (whose id must match `key_id`).
    pub fn sign(self, key: &EventSigningKey) -> SignedCredential {
        debug_assert_eq!(key.key_id(), self.key_id);
        SignedCredential { credential: self, signature: key.sign(&self.signed_bytes()) }
    }

    pub fn valid_from_ms(&self) -> UnixMillis {
        UnixMillis::from_secs(u64::from(self.valid_from))
    }
    /// The first millisecond after the validity window.
    pub fn valid_until_end_ms(&self) -> UnixMillis {
        UnixMillis::from_secs(u64::from(self.valid_until) + 1)
    }
}

/// A credential with its Ed25519 signature: what a printed ticket carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedCredential {
    pub credential: Credential,
    pub signature: [u8; 64],
}

impl SignedCredential {
    pub fn verify(&self, key: &EventPublicKey) -> bool {
        key.key_id() == self.credential.key_id && key.verify(&self.credential.signed_bytes(), &self.signature)
    }
    /// The token without a rotating part (a printed ticket).
    pub fn static_token(self) -> TicketToken {
        TicketToken { signed: self, rotating: None }
    }
    /// The token as the attendee's phone shows it during one step.
    pub fn with_code(self, code: RotatingCode) -> TicketToken {
        TicketToken { signed: self, rotating: Some(code) }
    }
}

/// What a QR code carries: a signed credential and, from a phone, the current rotating code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketToken {
    pub signed: SignedCredential,
    pub rotating: Option<RotatingCode>,
}

/// Why text or bytes are not an Ingia ticket token. Never echoes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// No `INGIA:` prefix: some other QR code.
    NotIngia,
    /// Not canonical Base45 after the prefix.
    BadText,
    /// A version this scanner does not know (update the app).
    UnsupportedVersion(u8),
    /// A form (static / rotating) this version does not define.
    UnknownForm(u8),
    /// The byte length does not match the form.
    WrongLength,
    /// Policy bits that this version leaves reserved are set.
    ReservedBits,
    /// The validity window ends before it starts.
    EmptyValidity,
    /// A rotating code with more than 8 digits.
    CodeOutOfRange,
    Wire(WireError),
}

impl From<WireError> for TokenError {
    fn from(e: WireError) -> Self {
        TokenError::Wire(e)
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::NotIngia => f.write_str("not an Ingia ticket"),
            TokenError::BadText => f.write_str("damaged ticket text"),
            TokenError::UnsupportedVersion(v) => write!(f, "ticket format version {v} is not supported"),
            TokenError::UnknownForm(v) => write!(f, "unknown ticket form {v}"),
            TokenError::WrongLength => f.write_str("ticket has the wrong length"),
            TokenError::ReservedBits => f.write_str("ticket sets reserved policy bits"),
            TokenError::EmptyValidity => f.write_str("ticket validity ends before it starts"),
            TokenError::CodeOutOfRange => f.write_str("rotating code out of range"),
            TokenError::Wire(e) => write!(f, "damaged ticket: {e}"),
        }
    }
}

impl TicketToken {
    pub fn to_bytes(&self) -> Vec<u8> {
        let form = if self.rotating.is_some() { FORM_ROTATING } else { FORM_STATIC };
        let mut w = Writer::new();
        w.u8(TOKEN_VERSION << 4 | form).bytes(&self.signed.credential.signed_bytes()).bytes(&self.signed.signature);
        if let Some(code) = self.rotating {
            w.u32_be(code.step).u32_be(code.code);
        }
        w.into_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TokenError> {
        let mut r = Reader::new(bytes);
        let header = r.u8()?;
        let (version, form) = (header >> 4, header & 0x0f);
        if version != TOKEN_VERSION {
            return Err(TokenError::UnsupportedVersion(version));
        }
        let expected_len = match form {
            FORM_STATIC => STATIC_TOKEN_LEN,
            FORM_ROTATING => ROTATING_TOKEN_LEN,
            other => return Err(TokenError::UnknownForm(other)),
        };
        if bytes.len() != expected_len {
            return Err(TokenError::WrongLength);
        }
        let credential = Credential::read(&mut r)?;
        let signature = r.array::<64>()?;
        let rotating = if form == FORM_ROTATING {
            let step = r.u32_be()?;
            let code = r.u32_be()?;
            if !is_code_in_range(code) {
                return Err(TokenError::CodeOutOfRange);
            }
            Some(RotatingCode { step, code })
        } else {
            None
        };
        r.finish()?;
        Ok(TicketToken { signed: SignedCredential { credential, signature }, rotating })
    }

    /// The QR text: `INGIA:` followed by Base45 of the bytes (QR alphanumeric mode).
    pub fn to_text(&self) -> String {
        let mut text = String::from(TEXT_PREFIX);
        text.push_str(&base45::encode(self.to_bytes()));
        text
    }

    /// Parses QR text. Surrounding whitespace (some readers add a newline) is ignored; the
    /// Base45 must be canonical, so one token has exactly one text form.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let body = text.trim().strip_prefix(TEXT_PREFIX).ok_or(TokenError::NotIngia)?;
        let bytes = base45::decode(body).map_err(|_| TokenError::BadText)?;
        if base45::encode(&bytes) != body {
            return Err(TokenError::BadText);
        }
        Self::from_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential() -> Credential {
        Credential {
            key_id: KeyId(1),
            event: EventId(0x0123_4567_89ab_cdef),
            ticket: TicketId(42),
            ticket_type: TicketTypeId(2),
            valid_from: 1_800_000_000,
            valid_until: 1_800_086_400,
            flags: PolicyFlags::new(true, false),
        }
    }

    #[test]
    fn round_trip_static_and_rotating() {
        let key = EventSigningKey::from_seed(KeyId(1), [1; 32]);
        let signed = credential().sign(&key);
        assert!(signed.verify(&key.public()));
        for token in [signed.static_token(), signed.with_code(RotatingCode { step: 60_000_000, code: 12_345_678 })] {
            let bytes = token.to_bytes();
            assert_eq!(TicketToken::from_bytes(&bytes), Ok(token));
            assert_eq!(TicketToken::parse(&token.to_text()), Ok(token));
        }
        assert_eq!(signed.static_token().to_bytes().len(), STATIC_TOKEN_LEN);
    }

    #[test]
    fn malformed_inputs_get_typed_errors() {
        let key = EventSigningKey::from_seed(KeyId(1), [1; 32]);
        let token = credential().sign(&key).with_code(RotatingCode { step: 1, code: 2 });
        let bytes = token.to_bytes();
        assert_eq!(TicketToken::parse("https://example.org"), Err(TokenError::NotIngia));
        assert_eq!(TicketToken::parse("INGIA:abc"), Err(TokenError::BadText));
        // Truncating the rotating part leaves a header that says it is there.
        assert_eq!(TicketToken::from_bytes(&bytes[..STATIC_TOKEN_LEN]), Err(TokenError::WrongLength));
        let mut v2 = bytes.clone();
        v2[0] = 0x21;
        assert_eq!(TicketToken::from_bytes(&v2), Err(TokenError::UnsupportedVersion(2)));
        let mut form = bytes.clone();
        form[0] = 0x12;
        assert_eq!(TicketToken::from_bytes(&form), Err(TokenError::UnknownForm(2)));
        let mut reserved = bytes.clone();
        reserved[23] |= 0x80;
        assert_eq!(TicketToken::from_bytes(&reserved), Err(TokenError::ReservedBits));
        let mut big_code = bytes.clone();
        big_code[92..96].copy_from_slice(&100_000_000u32.to_be_bytes());
        assert_eq!(TicketToken::from_bytes(&big_code), Err(TokenError::CodeOutOfRange));
        let mut empty = credential();
        empty.valid_until = empty.valid_from - 1;
        let bad = empty.sign(&key).static_token().to_bytes();
        assert_eq!(TicketToken::from_bytes(&bad), Err(TokenError::EmptyValidity));
        // Non-canonical Base45: the final pair "ZZ" decodes (truncated) to a byte but re-encodes otherwise.
        let text = token.to_text();
        assert_eq!(TicketToken::parse(&alloc::format!("{text}ZZ")), Err(TokenError::BadText));
        assert_eq!(TicketToken::from_bytes(&[]), Err(TokenError::Wire(WireError::Truncated)));
    }
}
