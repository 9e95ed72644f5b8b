//! Numeric PINs for SMS and manual entry at the gate: 6 to 8 digits, unique within an event.
//! Invariant: the PIN length grows with the event so that a made-up PIN matches some ticket
//! with a probability of at most 1 in 1,000.

use core::fmt;

/// A PIN: its value and its length in digits (leading zeros are part of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pin {
    value: u32,
    digits: u8,
}

/// Why typed text is not a PIN of this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinError {
    /// Something other than digits (spaces and dashes are allowed and ignored).
    NotDigits,
    /// The wrong number of digits for this event.
    WrongLength { expected: u8 },
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::NotDigits => f.write_str("a PIN has digits only"),
            PinError::WrongLength { expected } => write!(f, "a PIN for this event has {expected} digits"),
        }
    }
}

const fn pow10(d: u8) -> u32 {
    let mut v = 1u32;
    let mut i = 0;
    while i < d {
        v *= 10;
        i += 1;
    }
    v
}

/// The PIN length for an event with `tickets` tickets: 6 digits up to 1,000 tickets, 7 up to
/// 10,000, 8 beyond (at most 100,000 tickets per event keep the 1-in-1,000 guess bound).
pub fn pin_digits_for(tickets: usize) -> u8 {
    match tickets {
        0..=1_000 => 6,
        1_001..=10_000 => 7,
        _ => 8,
    }
}

impl Pin {
    /// A PIN from a value and a length; `None` when the value does not fit or the length is
    /// outside 6..=8.
    pub fn new(value: u32, digits: u8) -> Option<Self> {
        if !(6..=8).contains(&digits) || value >= pow10(digits) {
            return None;
        }
        Some(Self { value, digits })
    }
    pub fn value(self) -> u32 {
        self.value
    }
    pub fn digits(self) -> u8 {
        self.digits
    }
    /// Parses what a steward typed: digits, with spaces or dashes ignored.
    pub fn parse(text: &str, digits: u8) -> Result<Self, PinError> {
        let mut value: u32 = 0;
        let mut count: u8 = 0;
        for c in text.chars() {
            match c {
                ' ' | '-' => continue,
                '0'..='9' => {
                    count = count.saturating_add(1);
                    if count > 8 {
                        return Err(PinError::WrongLength { expected: digits });
                    }
                    value = value * 10 + (c as u32 - '0' as u32);
                }
                _ => return Err(PinError::NotDigits),
            }
        }
        if count != digits {
            return Err(PinError::WrongLength { expected: digits });
        }
        Pin::new(value, digits).ok_or(PinError::WrongLength { expected: digits })
    }
    /// Draws a PIN not yet taken, by rejection sampling from `random` (the caller's CSPRNG) so
    /// that every PIN is equally likely. `taken` says whether a PIN is already in the event.
    pub fn generate_unique(digits: u8, mut random: impl FnMut() -> u32, taken: impl Fn(Pin) -> bool) -> Pin {
        let digits = digits.clamp(6, 8);
        let modulus = pow10(digits);
        let limit = u32::MAX - u32::MAX % modulus;
        loop {
            let r = random();
            if r >= limit {
                continue;
            }
            let pin = Pin { value: r % modulus, digits };
            if !taken(pin) {
                return pin;
            }
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0width$}", self.value, width = self.digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::string::ToString;

    #[test]
    fn leading_zeros_survive_display_and_parse() {
        let pin = Pin::new(4_821, 6).unwrap();
        assert_eq!(pin.to_string(), "004821");
        assert_eq!(Pin::parse("004 821", 6), Ok(pin));
        assert_eq!(Pin::parse("4821", 6), Err(PinError::WrongLength { expected: 6 }));
        assert_eq!(Pin::parse("00482a", 6), Err(PinError::NotDigits));
        assert_eq!(Pin::parse("123456789012", 6), Err(PinError::WrongLength { expected: 6 }));
        assert_eq!(Pin::new(1_000_000, 6), None);
    }

    #[test]
    fn generated_pins_are_unique_and_sized_for_the_event() {
        let mut state = 0x1234_5678u32;
        let mut rng = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let digits = pin_digits_for(900);
        let mut seen = BTreeSet::new();
        for _ in 0..900 {
            let pin = Pin::generate_unique(digits, &mut rng, |p| seen.contains(&p));
            assert_eq!(pin.digits(), 6);
            assert!(seen.insert(pin));
        }
        assert_eq!(pin_digits_for(5_000), 7);
        assert_eq!(pin_digits_for(100_000), 8);
    }
}
