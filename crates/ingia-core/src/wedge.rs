//! Hardware barcode scanners (Bluetooth or USB "keyboard wedges") type the code's text as
//! keystrokes and Enter, far faster than a person can: a burst of at least [`MIN_LEN`]
//! characters whose every gap, Enter included, is at most [`MAX_GAP_MS`] is a scan, decided like
//! the camera's. Anything slower is a person typing and is dropped. Keys that type nothing
//! (Shift before a capital, which a scanner sends too) neither count nor break a burst.
//! Invariant: pure; the page feeds each key with its time.

use alloc::string::String;

/// The longest pause inside a scanner's burst. Scanners type a character every 1-20 ms; a
/// fast person's keystrokes are 60 ms or more apart.
pub const MAX_GAP_MS: u64 = 40;
/// The shortest burst taken for a scan (a ticket, a pairing link or a live code is longer).
pub const MIN_LEN: usize = 6;
/// A scan longer than this is not one of ours (and no burst grows without bound).
pub const MAX_LEN: usize = 2048;

/// A key as the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key that types this character.
    Char(char),
    Enter,
    /// Shift, Control, arrows...: no character.
    Other,
}

/// The burst being typed.
#[derive(Debug, Default)]
pub struct Wedge {
    text: String,
    last_ms: Option<u64>,
}

impl Wedge {
    pub fn new() -> Self {
        Self::default()
    }

    /// One key at `at_ms` (any monotonic clock in milliseconds); a finished scan's text.
    pub fn key(&mut self, key: Key, at_ms: u64) -> Option<String> {
        let fast = self.last_ms.is_some_and(|last| at_ms.saturating_sub(last) <= MAX_GAP_MS);
        match key {
            Key::Other => None,
            Key::Char(c) => {
                if !fast || self.text.len() >= MAX_LEN {
                    self.text.clear();
                }
                self.text.push(c);
                self.last_ms = Some(at_ms);
                None
            }
            Key::Enter => {
                let text = core::mem::take(&mut self.text);
                self.last_ms = None;
                (fast && text.chars().count() >= MIN_LEN).then_some(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(wedge: &mut Wedge, text: &str, start: u64, gap: u64) -> Option<String> {
        let mut at = start;
        for c in text.chars() {
            if c.is_ascii_uppercase() {
                assert_eq!(wedge.key(Key::Other, at), None, "Shift");
            }
            assert_eq!(wedge.key(Key::Char(c), at), None);
            at += gap;
        }
        wedge.key(Key::Enter, at)
    }

    #[test]
    fn a_scanner_s_burst_is_a_scan_and_a_person_s_typing_is_not() {
        let mut w = Wedge::new();
        assert_eq!(typed(&mut w, "IG1:ABC-123$%*", 1_000, 8).as_deref(), Some("IG1:ABC-123$%*"));
        // A person typing the same, 120 ms a key: nothing.
        assert_eq!(typed(&mut w, "IG1:ABC-123$%*", 5_000, 120), None);
        // A PIN typed at the gate's field is short anyway; a fast short burst is not a scan.
        assert_eq!(typed(&mut w, "12345", 9_000, 5), None);
        // A pause in the middle starts over: only what came after the pause counts.
        let mut at = 20_000;
        for c in "XY".chars() {
            w.key(Key::Char(c), at);
            at += 5;
        }
        at += 500;
        assert_eq!(typed(&mut w, "TICKET42", at, 5).as_deref(), Some("TICKET42"));
        // Enter itself late: not a scan.
        for (i, c) in "ABCDEFGH".chars().enumerate() {
            w.key(Key::Char(c), 30_000 + i as u64 * 5);
        }
        assert_eq!(w.key(Key::Enter, 30_000 + 7 * 5 + 300), None);
        // After any Enter the next burst starts clean.
        assert_eq!(typed(&mut w, "QWERTYUI", 40_000, 3).as_deref(), Some("QWERTYUI"));
    }

    #[test]
    fn a_key_held_forever_does_not_grow_without_bound() {
        let mut w = Wedge::new();
        for i in 0..(3 * MAX_LEN as u64) {
            w.key(Key::Char('A'), i);
        }
        assert!(w.text.len() <= MAX_LEN);
    }
}
