//! Manifest entries sealed for a gate device: what a lost phone holds at rest reveals no holder
//! name, PIN or rotating-code secret. Each ticket's name and code secret are sealed under a key
//! only that ticket's own credential yields (its Ed25519 signature, which no manifest carries);
//! its name is sealed a second time under a key from its PIN, found by a PIN tag, for PIN entry.
//! Keys come from HMAC-SHA-256 (one per entry, revision and purpose, so a key never seals twice)
//! and the seal is that key's HMAC keystream XORed over the bytes, with an 8-byte check.
//! Invariant: opening with any other credential or PIN fails (`None`), never yields garbage.

use alloc::string::String;
use alloc::vec::Vec;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::{EventId, TicketId};
use crate::pin::Pin;
use crate::rotating::CodeSecret;

/// PBKDF2 rounds from a PIN to its secret: a PIN entry costs the phone a few milliseconds, and
/// each PIN a thief guesses against a copied manifest costs the same. (A PIN has 6 to 8 digits:
/// no count of rounds makes that space safe; docs/security.md says what this buys.)
pub const PIN_ROUNDS: u32 = 1024;
const CHECK_LEN: usize = 8;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA-256 of `parts` in order (the one MAC of the seals and of `crate::proof`).
pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn entry_key(secret: &[u8], purpose: &[u8], event: EventId, ticket: TicketId, revision: u64) -> [u8; 32] {
    mac(secret, &[purpose, &event.0.to_be_bytes(), &ticket.0.to_be_bytes(), &revision.to_be_bytes()])
}

/// XORs the key's keystream (HMAC of a block counter) over `data`.
fn stream(key: &[u8; 32], data: &mut [u8]) {
    for (i, chunk) in data.chunks_mut(32).enumerate() {
        let block = mac(key, &[b"stream", &(i as u32).to_be_bytes()]);
        chunk.iter_mut().zip(block).for_each(|(b, k)| *b ^= k);
    }
}

fn seal(key: &[u8; 32], mut plain: Vec<u8>) -> Vec<u8> {
    stream(key, &mut plain);
    let mut out = mac(key, &[b"check"])[..CHECK_LEN].to_vec();
    out.extend_from_slice(&plain);
    out
}

fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    let (check, body) = sealed.split_at_checked(CHECK_LEN)?;
    let expected = mac(key, &[b"check"]);
    if check.iter().zip(&expected[..CHECK_LEN]).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return None;
    }
    let mut plain = body.to_vec();
    stream(key, &mut plain);
    Some(plain)
}

/// PBKDF2-HMAC-SHA-256 (RFC 8018) for one 32-byte block. Every round after the first hashes a
/// 32-byte value, so each of its two HMAC hashes is one padded SHA-256 block compressed from the
/// key's precomputed inner or outer state: two `compress256` calls a round and nothing else. (The
/// `pbkdf2` crate's generic code cost the gate engine kilobytes; `Hmac`'s, state clones and
/// buffers a round, made a PIN entry several times slower in the size-optimised engine.)
fn pbkdf2_block(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    use sha2::digest::generic_array::GenericArray;
    use sha2::Digest;
    // FIPS 180-4's initial SHA-256 state.
    const H0: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut key = [0u8; 64];
    if password.len() > 64 {
        key[..32].copy_from_slice(&Sha256::digest(password));
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let keyed = |pad: u8| {
        let mut state = H0;
        let block = key.map(|b| b ^ pad);
        sha2::compress256(&mut state, &[GenericArray::from(block)]);
        state
    };
    let (inner, outer) = (keyed(0x36), keyed(0x5c));
    let mut u = mac(password, &[salt, &1u32.to_be_bytes()]);
    let mut out = u;
    // One block: the 32-byte message, the 0x80 marker, and the bit length of key block + message.
    let mut block = [0u8; 64];
    block[32] = 0x80;
    block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
    let hash = |from: [u32; 8], message: &[u8; 32], block: &mut [u8; 64]| {
        block[..32].copy_from_slice(message);
        let mut state = from;
        sha2::compress256(&mut state, &[GenericArray::from(*block)]);
        let mut digest = [0u8; 32];
        digest.chunks_exact_mut(4).zip(state).for_each(|(d, w)| d.copy_from_slice(&w.to_be_bytes()));
        digest
    };
    for _ in 1..rounds {
        let inside = hash(inner, &u, &mut block);
        u = hash(outer, &inside, &mut block);
        out.iter_mut().zip(u).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// A ticket's secret from its PIN (what the server keeps sealed, and a gate derives from what
/// was typed).
pub fn pin_secret(event: EventId, pin: Pin) -> [u8; 32] {
    let typed = alloc::format!("{pin}");
    let mut salt = b"ingia pin v1 ".to_vec();
    salt.extend_from_slice(&event.0.to_be_bytes());
    pbkdf2_block(typed.as_bytes(), &salt, PIN_ROUNDS)
}

/// The tag a PIN's entry is found by (it reveals the PIN only to someone who guesses it).
pub fn pin_tag(pin_secret: &[u8; 32]) -> [u8; 16] {
    let mut tag = [0u8; 16];
    tag.copy_from_slice(&mac(pin_secret, &[b"tag"])[..16]);
    tag
}

/// An entry's sealed parts, as the manifest carries them to a gate device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Code secret and holder name, under the credential's key.
    pub by_credential: Vec<u8>,
    /// PIN entry: the tag and the holder name under the PIN's key (`None` on a kiosk, which has
    /// no PIN entry).
    pub by_pin: Option<([u8; 16], Vec<u8>)>,
}

impl Sealed {
    /// Seals a ticket's name and code secret (server side). `signature`: its credential's;
    /// `pin_secret`: from [`pin_secret`], when the device takes PINs.
    pub fn new(
        event: EventId,
        ticket: TicketId,
        revision: u64,
        holder: &str,
        code_secret: &CodeSecret,
        signature: &[u8; 64],
        pin_secret: Option<&[u8; 32]>,
    ) -> Sealed {
        let key = entry_key(signature, b"ingia entry by credential v1", event, ticket, revision);
        let mut plain = code_secret.0.to_vec();
        plain.extend_from_slice(holder.as_bytes());
        let by_pin = pin_secret.map(|s| {
            let key = entry_key(s, b"ingia entry by pin v1", event, ticket, revision);
            (pin_tag(s), seal(&key, holder.as_bytes().to_vec()))
        });
        Sealed { by_credential: seal(&key, plain), by_pin }
    }

    /// Name and code secret, for the credential that was scanned; `None` if it is not this
    /// ticket's current credential.
    pub fn open_by_credential(
        &self,
        event: EventId,
        ticket: TicketId,
        revision: u64,
        signature: &[u8; 64],
    ) -> Option<(String, CodeSecret)> {
        let key = entry_key(signature, b"ingia entry by credential v1", event, ticket, revision);
        let plain = open(&key, &self.by_credential)?;
        let (secret, name) = plain.split_at_checked(16)?;
        Some((String::from_utf8(name.to_vec()).ok()?, CodeSecret(secret.try_into().ok()?)))
    }

    /// The holder's name, for the PIN whose secret is `pin_secret`.
    pub fn open_by_pin(
        &self,
        event: EventId,
        ticket: TicketId,
        revision: u64,
        pin_secret: &[u8; 32],
    ) -> Option<String> {
        let (_, sealed) = self.by_pin.as_ref()?;
        let key = entry_key(pin_secret, b"ingia entry by pin v1", event, ticket, revision);
        String::from_utf8(open(&key, sealed)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc_7914_and_python() {
        // RFC 7914 section 11 (first block), and Python's hashlib.pbkdf2_hmac at 1024 rounds.
        let hex = |b: [u8; 32]| b.iter().map(|x| alloc::format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(pbkdf2_block(b"passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        assert_eq!(
            hex(pbkdf2_block(b"Password", b"NaCl", 1024)),
            "792e6e274ab8031c930b01e2f40fd78964b58bba762ec1fd52c1f26ff03a321f"
        );
        // A password longer than SHA-256's block is hashed into the key first (RFC 2104).
        assert_eq!(
            hex(pbkdf2_block(&[b'k'; 65], b"salt", 2)),
            "ddff3f4befbd87f443c0d32abcea246f26aa533be46caa8829e6dba1e8566728"
        );
    }

    #[test]
    fn only_the_tickets_own_credential_or_pin_opens_it() {
        let (ev, t, rev) = (EventId(9), TicketId(41), 7);
        let pin = Pin::new(482_113, 6).unwrap();
        let s = pin_secret(ev, pin);
        let secret = CodeSecret([5; 16]);
        let sig = [3u8; 64];
        let sealed = Sealed::new(ev, t, rev, "Adaeze Okafor", &secret, &sig, Some(&s));
        assert_eq!(sealed.open_by_credential(ev, t, rev, &sig), Some(("Adaeze Okafor".into(), secret)));
        assert_eq!(sealed.open_by_pin(ev, t, rev, &s).as_deref(), Some("Adaeze Okafor"));
        let mut other = sig;
        other[0] ^= 1;
        assert_eq!(sealed.open_by_credential(ev, t, rev, &other), None);
        assert_eq!(sealed.open_by_credential(ev, TicketId(42), rev, &sig), None, "bound to its ticket");
        assert_eq!(sealed.open_by_credential(ev, t, rev + 1, &sig), None, "and its revision");
        assert_eq!(sealed.open_by_pin(ev, t, rev, &pin_secret(ev, Pin::new(482_114, 6).unwrap())), None);
        assert_eq!(sealed.open_by_pin(ev, t, rev, &pin_secret(EventId(10), pin)), None, "PINs are per event");
        // Nothing readable in the sealed bytes.
        for bytes in [&sealed.by_credential, &sealed.by_pin.as_ref().unwrap().1] {
            assert!(!bytes.windows(6).any(|w| w == b"Adaeze"));
        }
        assert!(!sealed.by_credential.windows(16).any(|w| w == [5; 16]));
        assert_eq!(pin_tag(&s), pin_tag(&pin_secret(ev, pin)));
        let kiosk = Sealed::new(ev, t, rev, "Adaeze Okafor", &secret, &sig, None);
        assert_eq!(kiosk.open_by_pin(ev, t, rev, &s), None);
    }
}
