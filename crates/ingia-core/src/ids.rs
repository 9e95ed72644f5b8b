//! Identifiers and time as plain values. Invariant: every id is a fixed-width integer with one
//! wire encoding; time is always passed in as [`UnixMillis`], never read from a clock here.

use core::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
        pub struct $name(pub $inner);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_type!(
    /// An event, chosen at random by the server when the event is created (64 bits, so two
    /// servers never hand out the same one in practice).
    EventId(u64)
);
id_type!(
    /// A ticket, numbered from 1 within its event.
    TicketId(u32)
);
id_type!(
    /// Which of the event's signing keys signed a credential; several may be valid at once.
    KeyId(u8)
);
id_type!(
    /// A ticket type (General, VIP, Staff...) within its event.
    TicketTypeId(u8)
);
id_type!(
    /// A gate (entrance) within its event; at most 64 per event.
    GateId(u8)
);
id_type!(
    /// A paired scanner device, numbered by the server at pairing.
    DeviceId(u32)
);
id_type!(
    /// A scan attempt, unique per device (a counter the device persists).
    ScanId(u64)
);

/// Milliseconds since the Unix epoch, UTC. The only notion of time in the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    pub const fn from_secs(secs: u64) -> Self {
        UnixMillis(secs.saturating_mul(1000))
    }
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }
    pub const fn saturating_add_ms(self, ms: u64) -> Self {
        UnixMillis(self.0.saturating_add(ms))
    }
    /// Shifts by a signed offset (a learned server-clock offset), clamped at the epoch.
    pub const fn offset_by(self, offset_ms: i64) -> Self {
        UnixMillis(self.0.saturating_add_signed(offset_ms))
    }
}

impl GateId {
    /// The bit for this gate in a [`GateSet`].
    pub const fn bit(self) -> u64 {
        if self.0 < 64 {
            1u64 << self.0
        } else {
            0
        }
    }
}

/// A set of gates as a bit mask; the empty set means "every gate".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
pub struct GateSet(pub u64);

impl GateSet {
    pub const ALL: GateSet = GateSet(0);
    pub fn of(gates: &[GateId]) -> Self {
        GateSet(gates.iter().fold(0, |m, g| m | g.bit()))
    }
    pub fn allows(self, gate: GateId) -> bool {
        self.0 == 0 || self.0 & gate.bit() != 0
    }
}

/// What a paired device may do, as the server assigned it at pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Role {
    /// Scans at a gate.
    #[default]
    Steward,
    /// Scans, sees conflicts, admits by name after an ID check.
    Supervisor,
    /// A self check-in tablet facing the public.
    Kiosk,
}

crate::names::named!(Role {
    Steward = 0 "steward",
    Supervisor = 1 "supervisor",
    Kiosk = 2 "kiosk",
});
