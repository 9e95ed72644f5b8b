//! Property tests: tampering is always refused, encodings round-trip, and the ledger merge is
//! a join (idempotent, order-independent).

use std::sync::OnceLock;

use ingia_core::rotating::current_code;
use ingia_core::sample::{sample_event, SampleEvent, GENERAL, MAIN_GATE, SAMPLE_DOORS};
use ingia_core::*;
use proptest::prelude::*;

const T: UnixMillis = UnixMillis((SAMPLE_DOORS as u64 + 7_200) * 1000);

fn event() -> &'static SampleEvent {
    static EV: OnceLock<SampleEvent> = OnceLock::new();
    EV.get_or_init(|| sample_event(11, 60))
}

fn live_token(index: usize) -> TicketToken {
    let ev = event();
    let general: Vec<&Issued> = ev.issued.iter().filter(|i| i.entry.ticket_type == GENERAL).collect();
    let t = general[index % general.len()];
    t.credential.with_code(current_code(&t.entry.code_secret, T, ev.manifest.event.code_step_secs))
}

fn verdict_for_bytes(bytes: &[u8]) -> Verdict {
    let text = format!("{}{}", token::TEXT_PREFIX, base45::encode(bytes));
    let scan = Scan { presented: Presented::Qr(&text), movement: Movement::Entry };
    validate(&scan, &event().manifest, &Ledger::new(), MAIN_GATE, T)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_single_bit_flip_is_refused(index in 0usize..40, bit in 0usize..(token::ROTATING_TOKEN_LEN * 8)) {
        let token = live_token(index);
        let mut bytes = token.to_bytes();
        prop_assert!(verdict_for_bytes(&bytes).is_admit());
        bytes[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(!verdict_for_bytes(&bytes).is_admit(), "bit {} flipped still admits", bit);
    }

    #[test]
    fn any_truncation_is_refused(index in 0usize..40, keep in 0usize..token::ROTATING_TOKEN_LEN) {
        let bytes = live_token(index).to_bytes();
        prop_assert!(!verdict_for_bytes(&bytes[..keep]).is_admit());
        prop_assert!(TicketToken::from_bytes(&bytes[..keep]).is_err());
    }

    #[test]
    fn any_text_edit_is_refused(index in 0usize..40, pos in 0usize..150, ch in "[0-9A-Z $%*+./:-]") {
        let text = live_token(index).to_text();
        let pos = pos % text.len();
        let mut edited = text.clone();
        edited.replace_range(pos..pos + 1, &ch);
        prop_assume!(edited != text);
        let scan = Scan { presented: Presented::Qr(&edited), movement: Movement::Entry };
        prop_assert!(!validate(&scan, &event().manifest, &Ledger::new(), MAIN_GATE, T).is_admit());
    }

    #[test]
    fn tokens_round_trip(key_id in any::<u8>(), event_id in any::<u64>(), ticket in any::<u32>(), ty in any::<u8>(),
                         from in any::<u32>(), len in any::<u32>(), flags in 0u8..4, code in proptest::option::of((any::<u32>(), 0u32..100_000_000))) {
        let key = EventSigningKey::from_seed(KeyId(key_id), [key_id; 32]);
        let credential = Credential {
            key_id: KeyId(key_id), event: EventId(event_id), ticket: TicketId(ticket), ticket_type: TicketTypeId(ty),
            valid_from: from, valid_until: from.saturating_add(len), flags: PolicyFlags::from_bits(flags).unwrap(),
        };
        let signed = credential.sign(&key);
        let token = match code { Some((step, code)) => signed.with_code(RotatingCode { step, code }), None => signed.static_token() };
        prop_assert_eq!(TicketToken::parse(&token.to_text()), Ok(token));
        prop_assert!(TicketToken::parse(&token.to_text()).unwrap().signed.verify(&key.public()));
    }
}

fn arb_entry() -> impl Strategy<Value = LedgerEntry> {
    (
        0u32..4,
        0u32..3,
        0u64..6,
        0u64..50,
        prop_oneof![Just(None), (1u64..40).prop_map(Some), Just(Some(0))],
        any::<bool>(),
    )
        .prop_map(|(ticket, device, scan, at, standing, exit)| LedgerEntry {
            standing: match standing {
                None => Standing::Local,
                Some(0) => Standing::Rejected,
                Some(seq) => Standing::Accepted { seq },
            },
            ticket: TicketId(ticket),
            device: DeviceId(device),
            scan_id: ScanId(scan),
            stamp: Stamp { at: UnixMillis(at), gate: GateId(device as u8), device: DeviceId(device) },
            movement: if exit { Movement::Exit } else { Movement::Entry },
        })
}

proptest! {
    #[test]
    fn ledger_merge_is_idempotent_and_order_independent(
        entries in proptest::collection::vec(arb_entry(), 0..40),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 0..80),
        reentry in any::<bool>(),
    ) {
        let mut a = Ledger::new();
        a.merge_all(entries.iter().copied());
        // Another device hears the same entries shuffled, some twice, in two halves merged the
        // other way round.
        let mut shuffled: Vec<LedgerEntry> = order.iter().filter(|_| !entries.is_empty()).map(|i| entries[i.index(entries.len())]).collect();
        shuffled.extend(entries.iter().rev().copied());
        let (left, right) = shuffled.split_at(shuffled.len() / 2);
        let mut r = Ledger::new();
        r.merge_all(right.iter().copied());
        let mut b = Ledger::new();
        b.merge_all(left.iter().copied());
        b.merge_all(r.entries().copied());
        prop_assert_eq!(&a, &b);
        let mut twice = a.clone();
        twice.merge_all(entries.iter().copied());
        prop_assert_eq!(&a, &twice);
        for t in 0..4 {
            prop_assert_eq!(a.presence(TicketId(t), reentry), b.presence(TicketId(t), reentry));
        }
    }
}

proptest! {
    #[test]
    fn records_and_ledger_entries_round_trip(entry in arb_entry(), staff in "[a-zA-Z ]{0,20}", ticket in proptest::option::of(any::<u32>()),
                                             kind in proptest::option::of(0usize..15), event in any::<u64>(),
                                             proof_kind in 0u8..4, step in any::<u32>(), digest in any::<[u8; 16]>()) {
        prop_assert_eq!(LedgerEntry::decode(&entry.encode()), Ok(entry));
        let record = CheckIn {
            device: entry.device, scan_id: entry.scan_id, event: EventId(event), ticket: ticket.map(TicketId), gate: entry.stamp.gate,
            staff, at: entry.stamp.at, movement: entry.movement,
            result: kind.map_or(ScanResult::Admitted, |k| ScanResult::Refused(RefusalKind::ALL[k])),
            proof: match proof_kind {
                0 => Proof::None,
                1 => Proof::Qr { step: None, digest },
                2 => Proof::Qr { step: Some(step), digest },
                _ => Proof::Pin { digest },
            },
        };
        prop_assert_eq!(CheckIn::decode(&record.encode()), Ok(record.clone()));
        let bytes = record.encode();
        for cut in 0..bytes.len() {
            prop_assert!(CheckIn::decode(&bytes[..cut]).is_err());
        }
    }
}

#[test]
fn manifest_round_trips_and_deltas_apply_once() {
    let ev = sample_event(3, 300);
    let bytes = ev.manifest.encode();
    let decoded = Manifest::decode(&bytes).unwrap();
    assert_eq!(decoded, ev.manifest);
    // A device synced at revision 200 catches up with a delta; applying it twice changes nothing.
    let mut old = Manifest::from_delta(ev.manifest.delta_since(0)).unwrap();
    let mut early = sample_event(3, 200).manifest;
    let delta = ManifestDelta::decode(&ev.manifest.delta_since(200).encode()).unwrap();
    assert_eq!(delta.tickets.len(), 100);
    early.apply(delta.clone()).unwrap();
    // PIN digits differ between a 200- and a 300-ticket sample (both 6), names and secrets match.
    assert_eq!(early.ticket_count(), 300);
    assert_eq!(early.revision, 300);
    let snapshot = early.clone();
    early.apply(delta).unwrap();
    assert_eq!(early, snapshot);
    // A delta from the future (a gap) is refused and changes nothing.
    let gap = ev.manifest.delta_since(250);
    let mut small = sample_event(3, 100).manifest;
    let before = small.clone();
    assert_eq!(small.apply(gap), Err(ManifestError::Gap { have: 100, base: 250 }));
    assert_eq!(small, before);
    // A revoked ticket arrives through a delta and wins over the older entry.
    let mut revoked = ev.manifest.ticket(TicketId(5)).unwrap().clone();
    revoked.status = TicketStatus::Revoked;
    revoked.revision = 301;
    let mut server = ev.manifest.clone();
    server.upsert(revoked).unwrap();
    old.apply(server.delta_since(old.revision)).unwrap();
    assert_eq!(old.ticket(TicketId(5)).unwrap().status, TicketStatus::Revoked);
    assert_eq!(old.revision, 301);
    // Another event's delta is refused.
    assert_eq!(old.apply(sample_event(4, 1).manifest.delta_since(0)), Err(ManifestError::WrongEvent));
}

#[test]
fn manifest_search_by_name_and_pin() {
    let ev = sample_event(3, 300);
    let someone = ev.manifest.ticket(TicketId(17)).unwrap();
    let first = someone.holder.split(' ').next().unwrap().to_uppercase();
    let names = NameIndex::new(&ev.manifest, str::to_lowercase);
    let found = names.search(&ev.manifest, &first, 500, str::to_lowercase);
    assert!(found.iter().any(|t| t.id == someone.id));
    assert!(found.iter().all(|t| t.holder.to_uppercase().contains(&first)));
    assert!(names.search(&ev.manifest, "   ", 10, str::to_lowercase).is_empty());
    assert_eq!(names.search(&ev.manifest, &first, 2, str::to_lowercase).len(), 2.min(found.len()));
    assert_eq!(ev.manifest.ticket_by_pin(someone.pin).map(|t| t.id), Some(someone.id));
}

#[test]
fn name_search_folds_once_and_survives_a_name_with_a_newline() {
    let mut ev = sample_event(3, 20);
    let mut odd = ev.manifest.ticket(TicketId(5)).unwrap().clone();
    odd.holder = "Ọláìtán\nAdébáyọ̀".into();
    ev.manifest.upsert(odd).unwrap();
    let calls = std::cell::Cell::new(0);
    let fold = |s: &str| {
        calls.set(calls.get() + 1);
        s.to_lowercase()
    };
    let names = NameIndex::new(&ev.manifest, fold);
    // The joined fold did not split back into one name per ticket: each was folded alone.
    assert_eq!(calls.get(), 1 + ev.manifest.ticket_count());
    let found = names.search(&ev.manifest, "ỌLÁÌTÁN", 10, str::to_lowercase);
    assert_eq!(found.iter().map(|t| t.id).collect::<Vec<_>>(), vec![TicketId(5)]);
    // Without such a name, one call folds them all.
    calls.set(0);
    let plain = sample_event(3, 20).manifest;
    let names = NameIndex::new(&plain, fold);
    assert_eq!(calls.get(), 1);
    assert!(names.search(&plain, "zzzz", 10, str::to_lowercase).is_empty());
}
