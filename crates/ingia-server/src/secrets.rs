//! Protection of what makes a ticket at rest: the events' private signing keys and each ticket's
//! code secret, PIN and signed credential are sealed with XChaCha20-Poly1305 under a 256-bit
//! master key that never enters the database; a PIN's uniqueness is kept by a keyed hash. The
//! master key comes from `INGIA_MASTER_KEY` (64 hex characters) or a key file created once with
//! mode 0600.
//! Invariant: a database dump alone reveals no signing key, code secret, PIN or credential (see
//! docs/security.md); the master key is never logged.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use hmac::{Hmac, Mac};
use ingia_core::pin::Pin;
use ingia_core::rotating::CodeSecret;
use ingia_core::{EventId, SignedCredential, TicketId, TicketToken};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::util::{random_bytes, unhex};

#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From `INGIA_MASTER_KEY`, else from `path`, if either is there.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        if let Ok(hex) = std::env::var("INGIA_MASTER_KEY") {
            return Self::from_hex(&hex).map(Some);
        }
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(path).map_err(|e| Error::Internal(format!("reading master key file: {e}")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::BadRequest(format!("master key file {} is damaged", path.display())))?;
        Ok(Some(MasterKey(key)))
    }

    /// [`load`](Self::load), else a new key written to `path` (mode 0600).
    pub fn load_or_create(path: &Path) -> Result<Self> {
        if let Some(key) = Self::load(path)? {
            return Ok(key);
        }
        let key = random_bytes::<32>();
        write_private(path, &key)?;
        Ok(MasterKey(key))
    }

    /// From 64 hexadecimal characters (what `INGIA_MASTER_KEY` holds).
    pub fn from_hex(hex: &str) -> Result<Self> {
        let bytes = unhex(hex.trim())
            .filter(|b| b.len() == 32)
            .ok_or_else(|| Error::BadRequest("INGIA_MASTER_KEY must be 64 hexadecimal characters".into()))?;
        Ok(MasterKey(bytes.try_into().expect("checked length")))
    }

    #[cfg(test)]
    pub fn for_tests() -> Self {
        MasterKey([7; 32])
    }

    /// Seals `secret`, bound to `context` (which event and key it belongs to).
    pub fn seal(&self, context: &[u8], secret: &[u8]) -> Vec<u8> {
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

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 24 {
            return Err(Error::Internal("sealed key too short".into()));
        }
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        cipher
            .decrypt(XNonce::from_slice(&sealed[..24]), Payload { msg: &sealed[24..], aad: context })
            .map_err(|_| Error::BadRequest("cannot open the event's sealed secrets: wrong master key".into()))
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
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
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
    let mut f = opts.open(path).map_err(|e| Error::Internal(format!("creating master key file: {e}")))?;
    f.write_all(bytes).map_err(|e| Error::Internal(format!("writing master key file: {e}")))
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
        assert!(MasterKey([8; 32]).open(b"event 1 key 1", &sealed).is_err());
        assert!(!format!("{k:?}").contains('7'));
    }
}
