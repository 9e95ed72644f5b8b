//! A deterministic sample event (keys, gates, types, tickets) built from a seed: the fixture
//! for tests, benchmarks and fuzzing, so they all exercise the same real issuing path.
//! Invariant: the same seed and size always give byte-identical manifests.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ids::{EventId, GateId, GateSet, KeyId, TicketId, TicketTypeId};
use crate::issue::{issue_ticket, Issued, TicketRequest};
use crate::keys::EventSigningKey;
use crate::manifest::{EventInfo, Gate, Manifest, TicketType, TypePolicy, Ways};
use crate::pin::{pin_digits_for, Pin};
use crate::rotating::{CodeSecret, DEFAULT_STEP_SECS};

/// 2026-12-31 18:00 UTC: the sample event's doors.
pub const SAMPLE_DOORS: u32 = 1_798_740_000;
/// 2027-01-01 06:00 UTC: the sample tickets stop admitting.
pub const SAMPLE_CLOSE: u32 = 1_798_783_200;

/// The sample's ticket types.
pub const GENERAL: TicketTypeId = TicketTypeId(1);
/// Needs the live rotating code; re-entry allowed; enters at the VIP gate only.
pub const VIP: TicketTypeId = TicketTypeId(2);
/// Printed tickets, no rotating code needed.
pub const PRINTED: TicketTypeId = TicketTypeId(3);
pub const MAIN_GATE: GateId = GateId(0);
pub const VIP_GATE: GateId = GateId(1);

pub struct SampleEvent {
    pub key: EventSigningKey,
    pub manifest: Manifest,
    /// Every ticket as issued, in id order.
    pub issued: Vec<Issued>,
}

/// SplitMix64: a small deterministic generator for samples, simulations and tests (not for
/// secrets).
pub struct SplitMix(pub u64);
impl SplitMix {
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const FIRST: [&str; 12] =
    ["Adaeze", "Chinedu", "Amina", "Kwame", "Fatou", "Tunde", "Wanjiru", "Kofi", "Zainab", "Emeka", "Nia", "Sipho"];
const LAST: [&str; 12] =
    ["Okafor", "Mensah", "Diallo", "Adeyemi", "Kamau", "Bello", "Osei", "Ndlovu", "Eze", "Traore", "Mwangi", "Balogun"];

/// An event with `tickets` tickets: most General, every 10th VIP, every 7th printed.
pub fn sample_event(seed: u64, tickets: u32) -> SampleEvent {
    let mut rng = SplitMix(seed);
    let mut key_seed = [0u8; 32];
    for chunk in key_seed.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    let key = EventSigningKey::from_seed(KeyId(1), key_seed);
    let event = EventInfo {
        id: EventId(rng.next()),
        name: String::from("Afrobeats Live"),
        venue: String::from("Eko Convention Centre, Lagos"),
        starts_at: u64::from(SAMPLE_DOORS) + 3_600,
        ends_at: u64::from(SAMPLE_CLOSE) - 3_600,
        time_zone: String::from("Africa/Lagos"),
        code_step_secs: DEFAULT_STEP_SECS,
        pin_digits: pin_digits_for(tickets as usize),
        keep_hours: 12,
        lang: crate::Lang::En,
    };
    let window = |live_only: bool, reentry, gates| TypePolicy {
        ways: if live_only { Ways::LIVE_ONLY } else { Ways::ALL },
        reentry,
        gates,
        valid_from: SAMPLE_DOORS,
        valid_until: SAMPLE_CLOSE,
    };
    let types = [
        TicketType { id: GENERAL, name: String::from("General"), policy: window(true, false, GateSet::ALL) },
        TicketType { id: VIP, name: String::from("VIP"), policy: window(true, true, GateSet::of(&[VIP_GATE])) },
        TicketType { id: PRINTED, name: String::from("Printed"), policy: window(false, false, GateSet::ALL) },
    ];
    let mut manifest = Manifest::new(event.clone());
    manifest.keys.push(key.public());
    manifest.gates = Vec::from([
        Gate { id: MAIN_GATE, name: String::from("Main gate") },
        Gate { id: VIP_GATE, name: String::from("VIP gate") },
    ]);
    manifest.ticket_types = Vec::from(types.clone());
    let mut issued = Vec::with_capacity(tickets as usize);
    for n in 1..=tickets {
        let ticket_type = match n {
            n if n % 10 == 0 => &types[1],
            n if n % 7 == 0 => &types[2],
            _ => &types[0],
        };
        let holder = format!("{} {}", FIRST[(rng.next() % 12) as usize], LAST[(rng.next() % 12) as usize]);
        let mut secret = [0u8; 16];
        secret[..8].copy_from_slice(&rng.next().to_le_bytes());
        secret[8..].copy_from_slice(&rng.next().to_le_bytes());
        let pin = Pin::generate_unique(event.pin_digits, || rng.next() as u32, |p| manifest.ticket_by_pin(p).is_some());
        let ticket = issue_ticket(
            &key,
            event.id,
            TicketRequest {
                id: TicketId(n),
                holder: &holder,
                ticket_type,
                secret: CodeSecret(secret),
                pin,
                revision: u64::from(n),
            },
        );
        manifest.upsert(ticket.entry.clone()).expect("sample PINs are unique");
        issued.push(ticket);
    }
    SampleEvent { key, manifest, issued }
}
