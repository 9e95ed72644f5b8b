//! Protection of what makes a ticket at rest, under two 256-bit keys that never enter the
//! database (XChaCha20-Poly1305, each seal bound to what it protects):
//! - the **master key** (`INGIA_MASTER_KEY` or `DATA_DIR/master.key`) seals each ticket's code
//!   secret, PIN and signed credential and the queued mails' wallet links, and keys the PIN
//!   hash: every server that serves gates, wallets or mail needs it;
//! - the **issuing key** (`INGIA_ISSUING_KEY` or `DATA_DIR/issuing.key`) seals the events'
//!   private signing keys: only a server that creates events or issues tickets needs it. A
//!   server at the venue can run without it, so a stolen venue box cannot mint a ticket.
//!
//! Key files are created once with mode 0600.
//! Invariant: a database dump alone reveals no signing key, code secret, PIN or credential (see
//! docs/security.md); no key is ever logged.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use hmac::{Hmac, Mac};
use ingia_core::pin::Pin;
use ingia_core::rotating::CodeSecret;
use ingia_core::{EventId, EventSigningKey, KeyId, SignedCredential, TicketId, TicketToken};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::util::{random_bytes, unhex};

/// A 256-bit sealing key and where it comes from.
#[derive(Clone)]
struct SealKey([u8; 32]);

impl SealKey {
    /// From the environment variable `var`, else from `path`, if either is there.
    fn load(var: &str, path: &Path) -> Result<Option<Self>> {
        if let Ok(hex) = std::env::var(var) {
            return Self::from_hex(var, &hex).map(Some);
        }
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(path).map_err(|e| Error::Internal(format!("reading key file: {e}")))?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| Error::BadRequest(format!("key file {} is damaged", path.display())))?;
        Ok(Some(SealKey(key)))
    }

    fn load_or_create(var: &str, path: &Path) -> Result<Self> {
        if let Some(key) = Self::load(var, path)? {
            return Ok(key);
        }
        let key = random_bytes::<32>();
        write_private(path, &key)?;
        Ok(SealKey(key))
    }

    fn from_hex(var: &str, hex: &str) -> Result<Self> {
        let bytes = unhex(hex.trim())
            .filter(|b| b.len() == 32)
            .ok_or_else(|| Error::BadRequest(format!("{var} must be 64 hexadecimal characters")))?;
        Ok(SealKey(bytes.try_into().expect("checked length")))
    }

    fn seal(&self, context: &[u8], secret: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<24>();
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret, aad: context })
                .expect("sealing succeeds"),
        );
        out
    }

    fn open(&self, context: &[u8], sealed: &[u8], which: &str) -> Result<Vec<u8>> {
        if sealed.len() < 24 {
            return Err(Error::Internal("sealed secret too short".into()));
        }
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        cipher
            .decrypt(XNonce::from_slice(&sealed[..24]), Payload { msg: &sealed[24..], aad: context })
            .map_err(|_| Error::BadRequest(format!("cannot open the event's sealed secrets: wrong {which}")))
    }
}

const MASTER_VAR: &str = "INGIA_MASTER_KEY";
const ISSUING_VAR: &str = "INGIA_ISSUING_KEY";

#[derive(Clone)]
pub struct MasterKey(SealKey);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From `INGIA_MASTER_KEY`, else from `path`, if either is there.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        SealKey::load(MASTER_VAR, path).map(|k| k.map(MasterKey))
    }

    /// [`load`](Self::load), else a new key written to `path` (mode 0600).
    pub fn load_or_create(path: &Path) -> Result<Self> {
        SealKey::load_or_create(MASTER_VAR, path).map(MasterKey)
    }

    /// From 64 hexadecimal characters (what `INGIA_MASTER_KEY` holds).
    pub fn from_hex(hex: &str) -> Result<Self> {
        SealKey::from_hex(MASTER_VAR, hex).map(MasterKey)
    }

    #[cfg(test)]
    pub fn for_tests() -> Self {
        MasterKey(SealKey([7; 32]))
    }

    /// Seals `secret`, bound to `context` (what it belongs to).
    pub fn seal(&self, context: &[u8], secret: &[u8]) -> Vec<u8> {
        self.0.seal(context, secret)
    }

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        self.0.open(context, sealed, "master key")
    }
}

/// The key that seals the events' signing keys: whoever holds it (and the database) can issue.
#[derive(Clone)]
pub struct IssuingKey(SealKey);

impl std::fmt::Debug for IssuingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuingKey(..)")
    }
}

fn signing_key_context(event: EventId, key: KeyId) -> Vec<u8> {
    format!("ingia event {} signing key {} v2", event.0, key.0).into_bytes()
}

impl IssuingKey {
    /// From `INGIA_ISSUING_KEY`, else from `path`, if either is there.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        SealKey::load(ISSUING_VAR, path).map(|k| k.map(IssuingKey))
    }

    pub fn load_or_create(path: &Path) -> Result<Self> {
        SealKey::load_or_create(ISSUING_VAR, path).map(IssuingKey)
    }

    /// From 64 hexadecimal characters (what `INGIA_ISSUING_KEY` holds).
    pub fn from_hex(hex: &str) -> Result<Self> {
        SealKey::from_hex(ISSUING_VAR, hex).map(IssuingKey)
    }

    pub fn seal_signing_key(&self, event: EventId, key: &EventSigningKey) -> Vec<u8> {
        self.0.seal(&signing_key_context(event, key.key_id()), &key.seed_bytes())
    }

    pub fn open_signing_key(&self, event: EventId, key: KeyId, sealed: &[u8]) -> Result<EventSigningKey> {
        let seed = self.0.open(&signing_key_context(event, key), sealed, "issuing key")?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| Error::Internal("sealed key has the wrong length".into()))?;
        Ok(EventSigningKey::from_seed(key, seed))
    }
}

/// The keys a server holds: always the master key; the issuing key where tickets are issued.
#[derive(Clone, Debug)]
pub struct Keys {
    pub master: MasterKey,
    pub issuing: Option<IssuingKey>,
}

impl Keys {
    /// The issuing key, or the plain refusal of a server that may not issue.
    pub fn issuing(&self) -> Result<&IssuingKey> {
        self.issuing.as_ref().ok_or(Error::CannotIssue)
    }

    pub fn can_issue(&self) -> bool {
        self.issuing.is_some()
    }

    /// New random keys that live in memory only (benchmarks: nothing they seal outlives them).
    pub fn ephemeral() -> Self {
        Keys {
            master: MasterKey(SealKey(random_bytes::<32>())),
            issuing: Some(IssuingKey(SealKey(random_bytes::<32>()))),
        }
    }
}

/// What a ticket's sealed column holds: everything that lets someone present it.
#[derive(Clone)]
pub struct TicketSecrets {
    pub code_secret: CodeSecret,
    pub pin: Pin,
    pub credential: SignedCredential,
    /// `ingia_core::seal::pin_secret` of the PIN (slow to derive: kept, for the gates' sealed
    /// manifests).
    pub pin_secret: [u8; 32],
}

impl TicketSecrets {
    pub fn new(event: EventId, code_secret: CodeSecret, pin: Pin, credential: SignedCredential) -> Self {
        TicketSecrets { code_secret, pin, credential, pin_secret: ingia_core::seal::pin_secret(event, pin) }
    }
}

fn ticket_context(event: EventId, ticket: TicketId) -> Vec<u8> {
    format!("ingia ticket secrets v1 event {} ticket {}", event.0, ticket.0).into_bytes()
}

impl MasterKey {
    /// Seals a ticket's secrets, bound to its event and number.
    pub fn seal_ticket(&self, event: EventId, ticket: TicketId, s: &TicketSecrets) -> Vec<u8> {
        let mut plain = Vec::with_capacity(16 + 5 + 32 + 88);
        plain.extend_from_slice(&s.code_secret.0);
        plain.extend_from_slice(&s.pin.value().to_be_bytes());
        plain.push(s.pin.digits());
        plain.extend_from_slice(&s.pin_secret);
        plain.extend_from_slice(&s.credential.static_token().to_bytes());
        self.seal(&ticket_context(event, ticket), &plain)
    }

    pub fn open_ticket(&self, event: EventId, ticket: TicketId, sealed: &[u8]) -> Result<TicketSecrets> {
        let plain = self.open(&ticket_context(event, ticket), sealed)?;
        let damaged = || Error::Internal(format!("the sealed secrets of ticket {} are damaged", ticket.0));
        if plain.len() < 53 {
            return Err(damaged());
        }
        let code_secret = CodeSecret(plain[..16].try_into().expect("16 bytes"));
        let pin =
            Pin::new(u32::from_be_bytes(plain[16..20].try_into().expect("4 bytes")), plain[20]).ok_or_else(damaged)?;
        let pin_secret = plain[21..53].try_into().expect("32 bytes");
        let credential = TicketToken::from_bytes(&plain[53..]).map_err(|_| damaged())?.signed;
        Ok(TicketSecrets { code_secret, pin, credential, pin_secret })
    }

    /// A PIN's keyed hash within its event: the database keeps PINs unique by it, and a copy of
    /// the database cannot tell a PIN from it without the master key.
    pub fn pin_tag(&self, event: EventId, pin: Pin) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0 .0).expect("HMAC takes any key length");
        mac.update(b"ingia pin tag v1");
        mac.update(&event.0.to_be_bytes());
        mac.update(&pin.value().to_be_bytes());
        mac.update(&[pin.digits()]);
        crate::util::hex(&mac.finalize().into_bytes()[..16])
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::Internal(format!("creating {}: {e}", dir.display())))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path).map_err(|e| Error::Internal(format!("creating key file {}: {e}", path.display())))?;
    f.write_all(bytes).map_err(|e| Error::Internal(format!("writing key file {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_the_right_key_and_context() {
        let k = MasterKey::for_tests();
        let sealed = k.seal(b"event 1 key 1", b"secret seed");
        assert_eq!(k.open(b"event 1 key 1", &sealed).unwrap(), b"secret seed");
        assert!(k.open(b"event 2 key 1", &sealed).is_err());
        assert!(MasterKey(SealKey([8; 32])).open(b"event 1 key 1", &sealed).is_err());
        assert!(!format!("{k:?}").contains('7'));
    }

    #[test]
    fn a_signing_key_opens_only_with_the_issuing_key_for_its_event() {
        let issuing = IssuingKey(SealKey([9; 32]));
        let key = EventSigningKey::from_seed(KeyId(1), [3; 32]);
        let sealed = issuing.seal_signing_key(EventId(5), &key);
        let opened = issuing.open_signing_key(EventId(5), KeyId(1), &sealed).unwrap();
        assert_eq!(opened.seed_bytes(), key.seed_bytes());
        assert!(issuing.open_signing_key(EventId(6), KeyId(1), &sealed).is_err());
        assert!(issuing.open_signing_key(EventId(5), KeyId(2), &sealed).is_err());
        // The master key (a different key) cannot open it, whatever context it tries.
        let master = MasterKey::for_tests();
        assert!(master.open(&signing_key_context(EventId(5), KeyId(1)), &sealed).is_err());
        assert!(!format!("{issuing:?}").contains('9'));
        let keys = Keys { master, issuing: None };
        assert!(matches!(keys.issuing(), Err(Error::CannotIssue)));
    }
}
