//! The event's Ed25519 signing keys: generation from caller-supplied randomness, key ids,
//! signing (server only) and strict verification (scanner and server).
//! Invariant: secret key bytes never appear in `Debug` output or error messages.

use core::fmt;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::ids::KeyId;

/// Domain separation: every signature covers this prefix, so an Ingia ticket signature can
/// never be reused as any other Ed25519-signed message, nor across format versions.
pub const TICKET_SIGNING_CONTEXT: &[u8; 16] = b"ingia/ticket/v1\0";

/// The bytes actually signed: the v1 context, then the message.
fn in_context(message: &[u8]) -> alloc::vec::Vec<u8> {
    let mut buf = alloc::vec::Vec::with_capacity(TICKET_SIGNING_CONTEXT.len() + message.len());
    buf.extend_from_slice(TICKET_SIGNING_CONTEXT);
    buf.extend_from_slice(message);
    buf
}

/// An event's private signing key. Lives on the server only.
#[derive(Clone)]
pub struct EventSigningKey {
    key_id: KeyId,
    inner: SigningKey,
}

impl fmt::Debug for EventSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSigningKey").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl EventSigningKey {
    /// A key from 32 bytes of secret randomness (the caller's CSPRNG: `getrandom` on the server).
    pub fn from_seed(key_id: KeyId, seed: [u8; 32]) -> Self {
        Self { key_id, inner: SigningKey::from_bytes(&seed) }
    }
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    /// The 32 secret bytes, for the server to store encrypted at rest.
    pub fn seed_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }
    pub fn public(&self) -> EventPublicKey {
        EventPublicKey { key_id: self.key_id, inner: self.inner.verifying_key() }
    }
    /// Signs `message` under [`TICKET_SIGNING_CONTEXT`].
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(&in_context(message)).to_bytes()
    }
}

/// A public verification key with its id, as listed in the manifest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EventPublicKey {
    key_id: KeyId,
    inner: VerifyingKey,
}

impl fmt::Debug for EventPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventPublicKey({}, ", self.key_id)?;
        for b in &self.inner.as_bytes()[..4] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("..)")
    }
}

/// A public key's bytes did not describe a usable Ed25519 point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPublicKey;

impl EventPublicKey {
    /// Parses a key; refuses non-canonical and small-order (weak) points, which would let a
    /// forger make signatures that verify for many messages.
    pub fn from_bytes(key_id: KeyId, bytes: &[u8; 32]) -> Result<Self, BadPublicKey> {
        let inner = VerifyingKey::from_bytes(bytes).map_err(|_| BadPublicKey)?;
        if inner.is_weak() {
            return Err(BadPublicKey);
        }
        Ok(Self { key_id, inner })
    }
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }
    /// Strict verification (no malleable signatures) of `signature` over the context + message.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.inner.verify_strict(&in_context(message), &sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip_and_context_binding() {
        let key = EventSigningKey::from_seed(KeyId(1), [7; 32]);
        let public = key.public();
        let sig = key.sign(b"hello");
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellp", &sig));
        // A raw Ed25519 signature over the message without the context does not verify.
        let raw = SigningKey::from_bytes(&[7; 32]).sign(b"hello").to_bytes();
        assert!(!public.verify(b"hello", &raw));
        let other = EventSigningKey::from_seed(KeyId(1), [8; 32]).public();
        assert!(!other.verify(b"hello", &sig));
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let key = EventSigningKey::from_seed(KeyId(3), [0xAB; 32]);
        let shown = alloc::format!("{key:?}");
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point (small order) encodes as 0x01 followed by zeros.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(EventPublicKey::from_bytes(KeyId(0), &identity), Err(BadPublicKey));
    }
}
