//! Rotating codes: RFC 6238 (TOTP) shape with HMAC-SHA-256 and 8 digits, computed by the
//! attendee's device from a per-ticket secret that the scanner's manifest also holds.
//! Invariant: a code is accepted only for its own step, and only within one step of `now`.

use core::fmt;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::UnixMillis;

/// The default time step, as in RFC 6238.
pub const DEFAULT_STEP_SECS: u32 = 30;
/// Digits in a code (RFC 4226 allows 6 to 8; 8 makes a blind guess 1 in 10^8).
pub const CODE_DIGITS: u32 = 8;
const CODE_MODULUS: u32 = 100_000_000;
/// How many steps either side of the scanner's step are still accepted (clock drift between
/// the attendee's phone and the scanner).
pub const STEP_TOLERANCE: u32 = 1;

/// A ticket's rotating-code secret (128 bits). Never printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CodeSecret(pub [u8; 16]);

impl fmt::Debug for CodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeSecret(..)")
    }
}

/// The rotating part of a presented token: the step the code was made for, and the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotatingCode {
    pub step: u32,
    pub code: u32,
}

/// The step number for a moment: `floor(unix_seconds / step_secs)` (RFC 6238's T).
pub fn step_at(now: UnixMillis, step_secs: u32) -> u32 {
    let step = now.as_secs() / u64::from(step_secs.max(1));
    u32::try_from(step).unwrap_or(u32::MAX)
}

/// Milliseconds until the next step begins (for the wallet's countdown).
pub fn ms_until_next_step(now: UnixMillis, step_secs: u32) -> u64 {
    let step_ms = u64::from(step_secs.max(1)) * 1000;
    step_ms - now.0 % step_ms
}

/// RFC 4226 HOTP value with HMAC-SHA-256 and dynamic truncation, reduced to [`CODE_DIGITS`].
/// Takes any key length so the RFC 6238 test vectors can be checked; tickets use [`CodeSecret`].
pub fn hotp_sha256(key: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    let bin =
        u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]]) & 0x7fff_ffff;
    bin % CODE_MODULUS
}

/// The code a ticket shows during `step`.
pub fn code_for(secret: &CodeSecret, step: u32) -> u32 {
    hotp_sha256(&secret.0, u64::from(step))
}

/// What the attendee's device shows now.
pub fn current_code(secret: &CodeSecret, now: UnixMillis, step_secs: u32) -> RotatingCode {
    let step = step_at(now, step_secs);
    RotatingCode { step, code: code_for(secret, step) }
}

/// The result of checking a presented code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right code, current step (within the tolerance).
    Fresh,
    /// Right code for its step, but that step is too far from now: a screenshot or a replay.
    Stale,
    /// The code is not the one for its step: made up, or a different ticket's secret.
    Wrong,
}

/// Checks a presented code against the ticket's secret at `now`.
pub fn check_code(secret: &CodeSecret, presented: RotatingCode, now: UnixMillis, step_secs: u32) -> CodeCheck {
    // Compare without an early exit on the first differing byte.
    let expected = code_for(secret, presented.step);
    let diff = (expected ^ presented.code).to_be_bytes().iter().fold(0u8, |acc, b| acc | b);
    if diff != 0 {
        return CodeCheck::Wrong;
    }
    if step_at(now, step_secs).abs_diff(presented.step) > STEP_TOLERANCE {
        return CodeCheck::Stale;
    }
    CodeCheck::Fresh
}

/// A code fits in [`CODE_DIGITS`] digits.
pub fn is_code_in_range(code: u32) -> bool {
    code < CODE_MODULUS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-256 rows (8 digits, 30 s step, the 32-byte ASCII seed).
    #[test]
    fn rfc6238_sha256_vectors() {
        let seed = b"12345678901234567890123456789012";
        let rows: [(u64, u32); 6] = [
            (59, 46119246),
            (1111111109, 68084774),
            (1111111111, 67062674),
            (1234567890, 91819424),
            (2000000000, 90698825),
            (20000000000, 77737706),
        ];
        for (secs, expected) in rows {
            let step = step_at(UnixMillis::from_secs(secs), 30);
            assert_eq!(hotp_sha256(seed, u64::from(step)), expected, "t={secs}");
        }
    }

    #[test]
    fn window_is_one_step_either_side() {
        let secret = CodeSecret([9; 16]);
        let t = UnixMillis::from_secs(1_800_000_000);
        let now = current_code(&secret, t, 30);
        assert_eq!(check_code(&secret, now, t, 30), CodeCheck::Fresh);
        let prev = RotatingCode { step: now.step - 1, code: code_for(&secret, now.step - 1) };
        let next = RotatingCode { step: now.step + 1, code: code_for(&secret, now.step + 1) };
        assert_eq!(check_code(&secret, prev, t, 30), CodeCheck::Fresh);
        assert_eq!(check_code(&secret, next, t, 30), CodeCheck::Fresh);
        let old = RotatingCode { step: now.step - 2, code: code_for(&secret, now.step - 2) };
        assert_eq!(check_code(&secret, old, t, 30), CodeCheck::Stale);
        let wrong = RotatingCode { step: now.step, code: (now.code + 1) % CODE_MODULUS };
        assert_eq!(check_code(&secret, wrong, t, 30), CodeCheck::Wrong);
        let other = CodeSecret([10; 16]);
        assert_eq!(check_code(&other, now, t, 30), CodeCheck::Wrong);
    }

    #[test]
    fn countdown_reaches_the_next_step() {
        let t = UnixMillis(1_800_000_000_000 + 12_345);
        let wait = ms_until_next_step(t, 30);
        assert_eq!(step_at(t.saturating_add_ms(wait), 30), step_at(t, 30) + 1);
        assert_eq!(step_at(t.saturating_add_ms(wait - 1), 30), step_at(t, 30));
    }
}
