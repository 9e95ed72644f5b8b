//! A kiosk's staff exit PIN, as the device keeps it: a salted SHA-256 digest (never the PIN),
//! compared in constant time, with a lockout after repeated wrong tries. Time comes in.

use sha2::{Digest, Sha256};

use crate::UnixMillis;

/// Salt and digest, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffPin {
    pub salt: [u8; 16],
    pub digest: [u8; 32],
}

impl core::fmt::Debug for StaffPin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaffPin(..)")
    }
}

/// Wrong tries allowed before a lockout, and its length.
pub const MAX_TRIES: u32 = 5;
pub const LOCKOUT_MS: u64 = 60_000;

fn digest(pin: &str, salt: &[u8; 16]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ingia/kiosk-exit/v1\0");
    h.update(salt);
    h.update(pin.as_bytes());
    h.finalize().into()
}

/// A staff PIN is 4 to 8 digits.
pub fn valid_staff_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

impl StaffPin {
    /// `None` when `pin` is not 4 to 8 digits.
    pub fn new(pin: &str, salt: [u8; 16]) -> Option<Self> {
        valid_staff_pin(pin).then(|| StaffPin { salt, digest: digest(pin, &salt) })
    }

    pub fn matches(&self, pin: &str) -> bool {
        let d = digest(pin, &self.salt);
        d.iter().zip(self.digest.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    pub fn to_bytes(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..16].copy_from_slice(&self.salt);
        out[16..].copy_from_slice(&self.digest);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        (b.len() == 48).then(|| StaffPin { salt: b[..16].try_into().unwrap(), digest: b[16..].try_into().unwrap() })
    }
}

/// Counts wrong tries; locks the prompt for a minute after [`MAX_TRIES`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExitGuard {
    wrong: u32,
    locked_until: u64,
}

/// What a try at the exit PIN gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitTry {
    Open,
    Wrong {
        tries_left: u32,
    },
    /// Locked: seconds to wait.
    Locked(u64),
}

impl ExitGuard {
    pub fn attempt(&mut self, pin: &StaffPin, typed: &str, now: UnixMillis) -> ExitTry {
        if now.0 < self.locked_until {
            return ExitTry::Locked((self.locked_until - now.0).div_ceil(1000));
        }
        if pin.matches(typed) {
            *self = ExitGuard::default();
            return ExitTry::Open;
        }
        self.wrong += 1;
        if self.wrong >= MAX_TRIES {
            self.wrong = 0;
            self.locked_until = now.0 + LOCKOUT_MS;
            return ExitTry::Locked(LOCKOUT_MS / 1000);
        }
        ExitTry::Wrong { tries_left: MAX_TRIES - self.wrong }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_pin_opens_and_guessing_locks() {
        assert!(StaffPin::new("12", [1; 16]).is_none());
        assert!(StaffPin::new("12ab", [1; 16]).is_none());
        let pin = StaffPin::new("2468", [7; 16]).unwrap();
        assert_eq!(StaffPin::from_bytes(&pin.to_bytes()), Some(pin.clone()));
        assert_ne!(StaffPin::new("2468", [8; 16]).unwrap().digest, pin.digest, "salted");
        assert_eq!(format!("{pin:?}"), "StaffPin(..)");
        let mut g = ExitGuard::default();
        let t = |ms| UnixMillis(ms);
        for left in (1..MAX_TRIES).rev() {
            assert_eq!(g.attempt(&pin, "1111", t(0)), ExitTry::Wrong { tries_left: left });
        }
        assert_eq!(g.attempt(&pin, "1111", t(0)), ExitTry::Locked(60));
        assert_eq!(g.attempt(&pin, "2468", t(59_500)), ExitTry::Locked(1), "even the right PIN waits");
        assert_eq!(g.attempt(&pin, "2468", t(60_000)), ExitTry::Open);
    }
}
