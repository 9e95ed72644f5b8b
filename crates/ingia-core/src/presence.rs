//! Whether a ticket is inside the venue, and the one rule for which movement is allowed next.
//! Both the device's ledger and the server's first-wins decision fold movements through
//! [`Presence`], so they cannot disagree about double entry.
//! Invariant: without re-entry a ticket enters at most once, ever; with re-entry it is never
//! inside twice at the same time.

use crate::checkin::Movement;
use crate::ids::{DeviceId, GateId, UnixMillis};

/// When, where and by which device a movement was recorded: what a steward needs to see when
/// told "already checked in".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stamp {
    pub at: UnixMillis,
    pub gate: GateId,
    pub device: DeviceId,
}

/// Why a movement is not allowed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// Entry while already inside, or a second entry without re-entry: the stamp that holds it.
    AlreadyIn(Stamp),
    /// Exit without being inside.
    NotInside,
}

/// A ticket's presence, folded from its accepted movements in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    /// The first accepted entry, ever.
    pub first_entry: Option<Stamp>,
    /// The entry that holds the ticket inside now, if it is inside.
    pub inside: Option<Stamp>,
}

impl Presence {
    /// Is `movement` allowed next, given whether the ticket allows re-entry?
    pub fn check(&self, movement: Movement, reentry: bool) -> Result<(), Blocked> {
        match movement {
            Movement::Entry => match (self.inside, self.first_entry) {
                (Some(holder), _) => Err(Blocked::AlreadyIn(holder)),
                (None, Some(first)) if !reentry => Err(Blocked::AlreadyIn(first)),
                _ => Ok(()),
            },
            Movement::Exit => match self.inside {
                Some(_) => Ok(()),
                None => Err(Blocked::NotInside),
            },
        }
    }

    /// Applies an allowed movement; returns `Err` and changes nothing if it is not allowed.
    pub fn apply(&mut self, movement: Movement, stamp: Stamp, reentry: bool) -> Result<(), Blocked> {
        self.check(movement, reentry)?;
        match movement {
            Movement::Entry => {
                self.first_entry.get_or_insert(stamp);
                self.inside = Some(stamp);
            }
            Movement::Exit => self.inside = None,
        }
        Ok(())
    }

    /// The presence that `movements`, in their decided order, leave: each allowed one applied,
    /// the others skipped (the device's ledger and the server's annulment replay through this).
    pub fn replay(movements: impl IntoIterator<Item = (Movement, Stamp)>, reentry: bool) -> Presence {
        let mut presence = Presence::default();
        for (movement, stamp) in movements {
            let _ = presence.apply(movement, stamp, reentry);
        }
        presence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(at: u64) -> Stamp {
        Stamp { at: UnixMillis(at), gate: GateId(1), device: DeviceId(7) }
    }

    #[test]
    fn single_entry_tickets_enter_once_ever() {
        let mut p = Presence::default();
        assert_eq!(p.apply(Movement::Exit, stamp(1), false), Err(Blocked::NotInside));
        p.apply(Movement::Entry, stamp(2), false).unwrap();
        assert_eq!(p.check(Movement::Entry, false), Err(Blocked::AlreadyIn(stamp(2))));
        p.apply(Movement::Exit, stamp(3), false).unwrap();
        assert_eq!(p.check(Movement::Entry, false), Err(Blocked::AlreadyIn(stamp(2))));
    }

    #[test]
    fn reentry_tickets_come_back_after_an_exit() {
        let mut p = Presence::default();
        p.apply(Movement::Entry, stamp(2), true).unwrap();
        assert_eq!(p.check(Movement::Entry, true), Err(Blocked::AlreadyIn(stamp(2))));
        p.apply(Movement::Exit, stamp(3), true).unwrap();
        p.apply(Movement::Entry, stamp(4), true).unwrap();
        assert_eq!(p.first_entry, Some(stamp(2)));
        assert_eq!(p.inside, Some(stamp(4)));
    }
}
