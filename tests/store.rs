//! The IndexedDB store in real headless Chromium (wasm-bindgen-test), a fresh database per test:
//! what the scanner writes before a verdict survives closing and reopening, in order.
#![cfg(target_arch = "wasm32")]

use ingia::io::store::{Cursors, Download, Pairing, Store, HISTORY_KEEP};
use ingia_core::sync::Conflict;
use ingia_core::{
    CheckIn, DeviceId, EventId, GateId, LedgerEntry, Movement, Role, ScanId, ScanResult, Stamp, Standing, TicketId,
    UnixMillis,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name() -> String {
    format!("ingia-test-{}", (js_sys::Math::random() * 1e12) as u64)
}

fn record(scan: u64, ticket: u32, admitted: bool) -> CheckIn {
    CheckIn {
        device: DeviceId(7),
        scan_id: ScanId(scan),
        event: EventId(99),
        ticket: Some(TicketId(ticket)),
        gate: GateId(1),
        staff: "Ada".into(),
        at: UnixMillis(1_800_000_000_000 + scan),
        movement: Movement::Entry,
        result: if admitted { ScanResult::Admitted } else { ScanResult::Refused(ingia_core::RefusalKind::Forged) },
        proof: if admitted { ingia_core::Proof::Pin { digest: [scan as u8; 16] } } else { ingia_core::Proof::None },
    }
}

/// A scan made with the id the store hands out, and its ledger entry when admitted.
fn scan(id: ScanId, ticket: u32, admitted: bool) -> (CheckIn, Option<LedgerEntry>) {
    let rec = record(id.0, ticket, admitted);
    let entry = LedgerEntry::from_checkin(&rec, Standing::Local);
    (rec, entry)
}

#[wasm_bindgen_test]
async fn the_outbox_survives_reopening_and_leaves_only_when_settled() {
    let name = fresh_name();
    let store = Store::open(&name).await.unwrap();
    let mut ids = Vec::new();
    for (ticket, admitted) in [(5, true), (6, false), (8, true)] {
        let stored = store.record_scan(|id| scan(id, ticket, admitted)).await.unwrap();
        ids.push(stored.scan_id);
    }
    assert_eq!(ids, [ScanId(1), ScanId(2), ScanId(3)]);
    store.close();
    // A killed tab: open again from scratch.
    let store = Store::open(&name).await.unwrap();
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.iter().map(|r| r.scan_id.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(outbox[1], record(2, 6, false));
    assert_eq!(store.ledger().await.unwrap().len(), 2, "only admissions enter the ledger");
    assert_eq!(store.record_scan(|id| scan(id, 9, false)).await.unwrap().scan_id, ScanId(4), "scan ids never repeat");
    // The server accepted scan 1 and decided 2 and 4: they leave the outbox, 1's ledger entry is upgraded.
    let accepted = LedgerEntry::from_checkin(&outbox[0], Standing::Accepted { seq: 1 }).unwrap();
    store.settle(&[ScanId(1), ScanId(2), ScanId(4)], &[accepted], &[]).await.unwrap();
    let left = store.outbox().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].scan_id, ScanId(3));
    let ledger = store.ledger().await.unwrap();
    assert!(ledger.contains(&accepted));
    assert_eq!(ledger.len(), 2);
    assert!(store.conflicts().await.unwrap().is_empty());
    // Another gate had admitted ticket 8 first: scan 3 settles as a conflict, kept across a reopen.
    let winner = Stamp { at: UnixMillis(1_800_000_000_000), gate: GateId(2), device: DeviceId(9) };
    let conflict = Conflict { record: left[0].clone(), winner };
    let rejected = LedgerEntry::from_checkin(&left[0], Standing::Rejected).unwrap();
    store.settle(&[ScanId(3)], &[rejected], std::slice::from_ref(&conflict)).await.unwrap();
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert!(store.outbox().await.unwrap().is_empty());
    assert_eq!(store.conflicts().await.unwrap(), [conflict]);
    // What the server settled is kept, for a server restored from a backup.
    let sent = store.sent().await.unwrap();
    assert_eq!(sent.iter().map(|r| r.scan_id.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(sent[1], record(2, 6, false));
    assert_eq!(store.epoch().await.unwrap(), None);
    store.set_epoch(0).await.unwrap();
    assert_eq!(store.epoch().await.unwrap(), Some(0));
    // Restored: the session hands them back; they are in the outbox again, not in both.
    store.requeue(&sent[..2]).await.unwrap();
    store.set_epoch(u64::MAX >> 1).await.unwrap();
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.outbox().await.unwrap().iter().map(|r| r.scan_id.0).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(store.sent().await.unwrap().iter().map(|r| r.scan_id.0).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(store.epoch().await.unwrap(), Some(u64::MAX >> 1));
    store.close();
    Store::destroy(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn pairing_manifest_and_cursors_round_trip() {
    let name = fresh_name();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.pairing().await.unwrap(), None);
    assert_eq!(store.manifest().await.unwrap(), None);
    assert_eq!(store.cursors().await.unwrap(), Cursors::default());
    let pairing = Pairing {
        device_token: "ingd_abc".into(),
        device: DeviceId(3),
        event: EventId(u64::MAX - 1),
        gate: GateId(2),
        role: Role::Supervisor,
    };
    store.set_pairing(&pairing).await.unwrap();
    // A manifest of a few megabytes, as a large event's would be.
    let ev = ingia_core::sample::sample_event(5, 3_000);
    let bytes = ev.manifest.encode();
    let cursors = Cursors { revision: ev.manifest.revision, seq: 17, synced_at: 1_800_000_000_000 };
    store.set_manifest(&bytes, cursors).await.unwrap();
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.pairing().await.unwrap(), Some(pairing));
    let (back, deltas) = store.manifest().await.unwrap().unwrap();
    assert_eq!(ingia_core::Manifest::decode(&back).unwrap(), ev.manifest);
    assert!(deltas.is_empty());
    assert_eq!(store.cursors().await.unwrap(), cursors);
    let learned = LedgerEntry {
        standing: Standing::Accepted { seq: 18 },
        ticket: TicketId(9),
        device: DeviceId(4),
        scan_id: ScanId(1),
        stamp: Stamp { at: UnixMillis(5), gate: GateId(0), device: DeviceId(4) },
        movement: Movement::Entry,
    };
    store.put_ledger(&[learned]).await.unwrap();
    assert_eq!(store.ledger().await.unwrap(), vec![learned]);
    store.close();
    Store::destroy(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn deltas_are_kept_after_the_whole_manifest_until_it_is_stored_again() {
    let name = fresh_name();
    let store = Store::open(&name).await.unwrap();
    let whole = vec![7u8; 1_000];
    let c = |revision| Cursors { revision, seq: 1, synced_at: 2 };
    store.set_manifest(&whole, c(1)).await.unwrap();
    // Small deltas are added, not written over the whole; a quarter of the whole asks for it
    // to be stored again.
    assert!(!store.add_delta(&[1; 100], c(2)).await.unwrap());
    assert!(!store.add_delta(&[2; 100], c(3)).await.unwrap());
    assert!(store.add_delta(&[3; 60], c(4)).await.unwrap());
    store.close();
    let store = Store::open(&name).await.unwrap();
    let (back, deltas) = store.manifest().await.unwrap().unwrap();
    assert_eq!(back, whole);
    assert_eq!(deltas, [vec![1; 100], vec![2; 100], vec![3; 60]]);
    assert_eq!(store.cursors().await.unwrap(), c(4));
    store.set_manifest(&[9; 10], c(5)).await.unwrap();
    assert_eq!(store.manifest().await.unwrap(), Some((vec![9; 10], vec![])));
    store.close();
    Store::destroy(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_download_is_kept_part_by_part_and_becomes_the_manifest() {
    let name = fresh_name();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.download().await.unwrap(), None);
    let start = Download { revision: 4, total: 5, parts: 0, held: 0 };
    let d = store.keep_download_part(start, &[1, 2]).await.unwrap();
    let d = store.keep_download_part(d, &[3, 4]).await.unwrap();
    assert_eq!(d, Download { revision: 4, total: 5, parts: 2, held: 4 });
    // The app closed: what is kept is still there.
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.download().await.unwrap(), Some(d));
    let d = store.keep_download_part(d, &[5]).await.unwrap();
    assert_eq!(store.download_bytes(d).await.unwrap(), [1, 2, 3, 4, 5]);
    // A new download (another revision) drops the old parts.
    let again = store.keep_download_part(Download { revision: 6, total: 3, parts: 0, held: 0 }, &[8, 8]).await.unwrap();
    assert_eq!(store.download_bytes(again).await.unwrap(), [8, 8]);
    let again = store.keep_download_part(again, &[9]).await.unwrap();
    store.finish_download(again, &[8, 8, 9], Cursors { revision: 6, seq: 0, synced_at: 1 }).await.unwrap();
    assert_eq!(store.download().await.unwrap(), None);
    assert_eq!(store.manifest().await.unwrap(), Some((vec![8, 8, 9], vec![])));
    store.close();
    Store::destroy(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn recent_scans_outlive_the_outbox_newest_first_and_capped() {
    let name = fresh_name();
    let store = Store::open(&name).await.unwrap();
    let total = HISTORY_KEEP + 20;
    for _ in 0..total {
        store.record_scan(|id| scan(id, (id.0 % 50) as u32, !id.0.is_multiple_of(3))).await.unwrap();
    }
    // Everything synced: the outbox empties, the recent scans stay (after a reopen too).
    let all: Vec<ScanId> = (1..=total).map(ScanId).collect();
    store.settle(&all, &[], &[]).await.unwrap();
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert!(store.outbox().await.unwrap().is_empty());
    let recent = store.recent(5).await.unwrap();
    assert_eq!(recent.iter().map(|r| r.scan_id.0).collect::<Vec<_>>(), (total - 4..=total).rev().collect::<Vec<_>>());
    assert_eq!(recent[0], record(total, (total % 50) as u32, !total.is_multiple_of(3)));
    let kept = store.recent(usize::MAX).await.unwrap();
    assert_eq!(kept.len() as u64, HISTORY_KEEP, "the oldest scans are dropped");
    assert_eq!(kept.last().unwrap().scan_id, ScanId(21));
    store.close();
    Store::destroy(&name).await.unwrap();
}

/// The browser's CSPRNG through `getrandom` (the engine's salts and seeds), also in a worker-less
/// page: bytes, not zeros, and new ones each time.
#[wasm_bindgen_test]
fn random_bytes_come_from_the_browser() {
    let a = ingia::io::clock::random::<16>().unwrap();
    let b = ingia::io::clock::random::<16>().unwrap();
    assert_ne!(a, [0; 16]);
    assert_ne!(a, b);
}

/// The device's wall clock for the sentences: the browser's own time zone, as `Date` shows it.
#[wasm_bindgen_test]
fn the_local_clock_matches_the_browser() {
    let at = UnixMillis(1_796_154_060_000);
    let d = js_sys::Date::new(&(at.0 as f64).into());
    assert_eq!(ingia::io::clock::local().hhmm(at), format!("{:02}:{:02}", d.get_hours(), d.get_minutes()));
}
