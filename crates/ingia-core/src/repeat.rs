//! The scanner's repeat guard: a code held in front of the camera is decoded on frame after
//! frame, but a gate must decide it once. The same text within `window_ms` of its last sighting
//! is swallowed; another code, or the same one after a pause, goes through. Time comes in.

use alloc::string::String;

use crate::UnixMillis;

/// How long a code stays swallowed after it was last seen (the scanner's default).
pub const REPEAT_WINDOW_MS: u64 = 4_000;

#[derive(Debug, Clone, Default)]
pub struct RepeatGuard {
    window_ms: u64,
    last: Option<(String, UnixMillis)>,
}

impl RepeatGuard {
    pub fn new(window_ms: u64) -> Self {
        Self { window_ms, last: None }
    }

    /// True when `text` should be decided now. A code still in view keeps itself swallowed:
    /// each sighting moves the window on, so a ticket held up for a minute is decided once.
    pub fn admit(&mut self, text: &str, now: UnixMillis) -> bool {
        let fresh = match &self.last {
            Some((last, at)) => last != text || now.0.saturating_sub(at.0) >= self.window_ms,
            None => true,
        };
        match &mut self.last {
            Some((last, at)) if last == text => *at = now,
            _ => self.last = Some((String::from(text), now)),
        }
        fresh
    }

    /// Forget the last code (after a manual reset, or when the camera restarts).
    pub fn clear(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_in_view_is_decided_once_and_again_after_a_pause() {
        let mut g = RepeatGuard::new(4_000);
        assert!(g.admit("A", UnixMillis(0)));
        for t in (100..60_000).step_by(100) {
            assert!(!g.admit("A", UnixMillis(t)), "frame at {t} ms");
        }
        assert!(g.admit("A", UnixMillis(60_000 + 4_000)));
    }

    #[test]
    fn another_code_goes_through_at_once_and_the_first_can_come_back() {
        let mut g = RepeatGuard::new(4_000);
        assert!(g.admit("A", UnixMillis(0)));
        assert!(g.admit("B", UnixMillis(10)));
        assert!(g.admit("A", UnixMillis(20)));
        assert!(!g.admit("A", UnixMillis(30)));
        g.clear();
        assert!(g.admit("A", UnixMillis(40)));
    }
}
