//! The sync session driven through simulated time over a link that loses, delays, reorders and
//! duplicates messages, against the reference first-wins server. Nothing may be lost or doubled,
//! and every device must end up agreeing with the server.

use std::collections::{BTreeMap, BTreeSet};

use ingia_core::sync::{Conflict, RequestId};
use ingia_core::*;
use proptest::prelude::*;

const EVENT: EventId = EventId(77);

use ingia_core::sample::SplitMix as Rng;

enum Msg {
    ToServer { device: usize, tx: Transmit },
    ToDevice { device: usize, reply: Reply },
}

struct Link {
    loss: f64,
    dup: f64,
    max_delay: u64,
    in_flight: Vec<(u64, Msg)>,
}

impl Link {
    fn send(&mut self, rng: &mut Rng, now: u64, msg: Msg) {
        if rng.chance(self.loss) {
            return;
        }
        let copies = if rng.chance(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let at = now + 1 + rng.below(self.max_delay);
            let copy = match &msg {
                Msg::ToServer { device, tx } => Msg::ToServer { device: *device, tx: tx.clone() },
                Msg::ToDevice { device, reply } => Msg::ToDevice { device: *device, reply: reply.clone() },
            };
            self.in_flight.push((at, copy));
        }
    }
    fn next_due(&self) -> Option<u64> {
        self.in_flight.iter().map(|(t, _)| *t).min()
    }
    fn take_due(&mut self, now: u64) -> Vec<Msg> {
        let (due, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.in_flight).into_iter().partition(|(t, _)| *t <= now);
        self.in_flight = rest;
        due.into_iter().map(|(_, m)| m).collect()
    }
}

struct Device {
    id: DeviceId,
    session: SyncSession,
    clock_skew: i64,
    scans: Vec<(u64, TicketId, bool)>,
    next_scan: usize,
    next_scan_id: u64,
    settled: BTreeMap<ScanId, SyncOutcome>,
    enqueued: BTreeSet<ScanId>,
}

struct Outcome {
    server: FirstWins,
    devices: Vec<Device>,
}

/// Runs one simulation; returns the final state for the checks.
fn simulate(seed: u64, devices: usize, scans_per_device: usize, loss: f64, dup: f64, tickets: u32) -> Outcome {
    let mut rng = Rng(seed);
    let mut server = FirstWins::new();
    for t in 1..=tickets {
        server.add_ticket(TicketId(t), TicketStatus::Active, t % 3 == 0);
    }
    let mut link = Link { loss, dup, max_delay: 3_000, in_flight: Vec::new() };
    let start: u64 = 1_800_000_000_000;
    let config = SyncConfig {
        batch_max: 7,
        request_timeout_ms: 5_000,
        backoff_base_ms: 500,
        backoff_max_ms: 20_000,
        pull_interval_ms: 4_000,
        live_pull_interval_ms: 30_000,
    };
    let mut devs: Vec<Device> = (0..devices)
        .map(|i| {
            let mut scans: Vec<(u64, TicketId, bool)> = (0..scans_per_device)
                .map(|_| (start + rng.below(120_000), TicketId(1 + rng.below(tickets as u64) as u32), rng.chance(0.15)))
                .collect();
            scans.sort_by_key(|s| s.0);
            Device {
                id: DeviceId(i as u32 + 1),
                session: SyncSession::new(DeviceId(i as u32 + 1), config, 0, 0, rng.next()),
                clock_skew: rng.below(200_000) as i64 - 100_000,
                scans,
                next_scan: 0,
                next_scan_id: 1,
                settled: BTreeMap::new(),
                enqueued: BTreeSet::new(),
            }
        })
        .collect();

    let mut now = start;
    let deadline = start + 3_600_000;
    loop {
        // Devices scan: decide locally from their own ledger, as `validate` would.
        for d in devs.iter_mut() {
            while d.next_scan < d.scans.len() && d.scans[d.next_scan].0 <= now {
                let (_, ticket, refused) = d.scans[d.next_scan];
                d.next_scan += 1;
                let reentry = ticket.0 % 3 == 0;
                let presence = d.session.ledger().presence(ticket, reentry);
                let movement = if reentry && presence.inside.is_some() { Movement::Exit } else { Movement::Entry };
                let allowed = presence.check(movement, reentry).is_ok() && !refused;
                let result =
                    if allowed { ScanResult::Admitted } else { ScanResult::Refused(RefusalKind::AlreadyCheckedIn) };
                let device_now = UnixMillis(now.saturating_add_signed(d.clock_skew));
                let record = CheckIn {
                    device: d.id,
                    scan_id: ScanId(d.next_scan_id),
                    event: EVENT,
                    ticket: Some(ticket),
                    gate: GateId(d.id.0 as u8),
                    staff: "steward".into(),
                    at: d.session.server_now(device_now),
                    movement,
                    result,
                    proof: Proof::None,
                };
                d.next_scan_id += 1;
                d.enqueued.insert(record.scan_id);
                d.session.enqueue(record);
            }
        }
        // Deliver what is due.
        for msg in link.take_due(now) {
            match msg {
                Msg::ToServer { device, tx } => {
                    let server_time = UnixMillis(now);
                    let reply = match tx {
                        Transmit::Push { id, records } => {
                            if rng.chance(0.05) {
                                Reply::Failed { id, retry_after_ms: Some(1_000) }
                            } else {
                                let results = records.iter().map(|r| server.submit(r)).collect();
                                Reply::Pushed { id, server_time, results }
                            }
                        }
                        Transmit::Pull { id, seq, .. } => Reply::Pulled {
                            id,
                            server_time,
                            revision: 0,
                            seq: server.last_seq(),
                            admissions: server.accepted_since(seq).to_vec(),
                            epoch: Some(0),
                        },
                    };
                    link.send(&mut rng, now, Msg::ToDevice { device, reply });
                }
                Msg::ToDevice { device, reply } => {
                    let d = &mut devs[device];
                    let device_now = UnixMillis(now.saturating_add_signed(d.clock_skew));
                    d.session.handle_reply(device_now, reply);
                }
            }
        }
        // Drain outputs.
        for (i, d) in devs.iter_mut().enumerate() {
            let device_now = UnixMillis(now.saturating_add_signed(d.clock_skew));
            d.session.handle_timeout(device_now);
            while let Some(tx) = d.session.poll_transmit(device_now) {
                link.send(&mut rng, now, Msg::ToServer { device: i, tx });
            }
            while let Some(ev) = d.session.poll_event() {
                if let SyncEvent::Settled { record, outcome } = ev {
                    assert!(d.settled.insert(record.scan_id, outcome).is_none(), "settled twice: {record:?}");
                }
            }
        }
        let all_scanned = devs.iter().all(|d| d.next_scan == d.scans.len());
        let all_synced = devs.iter().all(|d| d.session.pending() == 0);
        let caught_up = devs.iter().all(|d| d.session.cursors().1 == server.last_seq());
        if all_scanned && all_synced && caught_up {
            break;
        }
        assert!(now < deadline, "no convergence within an hour of simulated time");
        // Jump to the next thing that happens.
        let mut next = link.next_due().unwrap_or(u64::MAX);
        for d in &devs {
            if let Some(&(t, _, _)) = d.scans.get(d.next_scan) {
                next = next.min(t);
            }
            if let Some(t) = d.session.poll_timeout() {
                next = next.min((t.0 as i64 - d.clock_skew) as u64);
            }
        }
        now = next.max(now + 1);
    }
    Outcome { server, devices: devs }
}

fn check_invariants(out: &Outcome) {
    let total: usize = out.devices.iter().map(|d| d.enqueued.len()).sum();
    // Nothing lost, nothing doubled: the server decided each record exactly once.
    assert_eq!(out.server.decided_count(), total);
    for d in &out.devices {
        assert_eq!(d.settled.keys().copied().collect::<BTreeSet<_>>(), d.enqueued, "device {} settled set", d.id);
        for (scan, outcome) in &d.settled {
            assert_eq!(out.server.decision(d.id, *scan), Some(*outcome));
        }
        // The conflicts the device lists are exactly its records the server gave to another.
        let mine: Vec<&Conflict> = d.session.conflicts().iter().collect();
        let expected = d.settled.values().filter(|o| o.is_conflict()).count();
        assert_eq!(mine.len(), expected);
        // A reload keeps the list: each conflict survives the device's storage format.
        let kept = mine.iter().map(|c| Conflict::decode(&c.encode()).expect("a kept conflict decodes"));
        let mut reopened = SyncSession::new(d.id, SyncConfig::default(), 0, 0, 1);
        reopened.restore_conflicts(kept);
        assert_eq!(reopened.conflicts(), d.session.conflicts());
    }
    // First wins: a single-entry ticket is accepted at most once.
    let mut entries: BTreeMap<TicketId, usize> = BTreeMap::new();
    for e in out.server.accepted_since(0) {
        if e.movement == Movement::Entry {
            *entries.entry(e.ticket).or_default() += 1;
        }
    }
    for (ticket, n) in entries {
        if ticket.0 % 3 != 0 {
            assert_eq!(n, 1, "ticket {ticket} entered {n} times");
        }
    }
    // Every device's ledger agrees with the server about who is inside.
    for d in &out.devices {
        for (id, t) in (1..=40).filter_map(|t| out.server.ticket(TicketId(t)).map(|s| (TicketId(t), *s))) {
            assert_eq!(d.session.ledger().presence(id, t.reentry), t.presence, "device {} ticket {id}", d.id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sync_converges_with_nothing_lost_or_doubled(
        seed in any::<u64>(), devices in 2usize..5, scans in 1usize..40, loss in 0.0f64..0.5, dup in 0.0f64..0.3,
    ) {
        let out = simulate(seed, devices, scans, loss, dup, 12);
        check_invariants(&out);
    }
}

#[test]
fn a_harsh_link_still_converges() {
    let mut conflicts = 0;
    for seed in 0..8 {
        let out = simulate(seed, 4, 60, 0.6, 0.4, 10);
        check_invariants(&out);
        conflicts += out.devices.iter().map(|d| d.session.conflicts().len()).sum::<usize>();
    }
    // The scenario really races gates against each other.
    assert!(conflicts > 0);
}

#[test]
fn retries_back_off_and_respect_retry_after() {
    let config = SyncConfig::default();
    let mut s = SyncSession::new(DeviceId(1), config, 0, 0, 42);
    let t0 = UnixMillis(1_000_000);
    let record = CheckIn {
        device: DeviceId(1),
        scan_id: ScanId(1),
        event: EVENT,
        ticket: Some(TicketId(1)),
        gate: GateId(0),
        staff: "s".into(),
        at: t0,
        movement: Movement::Entry,
        result: ScanResult::Admitted,
        proof: Proof::None,
    };
    s.enqueue(record.clone());
    s.enqueue(record); // idempotent
    assert_eq!(s.pending(), 1);
    let mut now = t0;
    let mut delays = Vec::new();
    let mut failed_at: Option<UnixMillis> = None;
    while delays.len() < 8 {
        match s.poll_transmit(now) {
            Some(Transmit::Push { id, .. }) => {
                if let Some(f) = failed_at {
                    delays.push(now.0 - f.0);
                }
                s.handle_reply(now, Reply::Failed { id, retry_after_ms: None });
                failed_at = Some(now);
            }
            Some(Transmit::Pull { id, .. }) => s.handle_reply(
                now,
                Reply::Pulled { id, server_time: now, revision: 0, seq: 0, admissions: vec![], epoch: None },
            ),
            None => now = s.poll_timeout().unwrap().max(UnixMillis(now.0 + 1)),
        }
    }
    // Each delay lies in [ceiling/2, ceiling] with the ceiling doubling up to the maximum.
    for (i, d) in delays.iter().enumerate() {
        let ceiling = (config.backoff_base_ms << i).min(config.backoff_max_ms);
        assert!(*d >= ceiling / 2 && *d <= ceiling, "delay {i} = {d}, ceiling {ceiling}");
    }
    // The network coming back resets the wait.
    s.network_up(now);
    assert!(matches!(s.poll_transmit(now), Some(Transmit::Push { .. })));
    // A 429's Retry-After is honoured even when the backoff would be shorter.
    let mut s2 = SyncSession::new(DeviceId(1), config, 0, 0, 1);
    s2.enqueue(s.outbox().next().unwrap().clone());
    let tx = s2.poll_transmit(t0).unwrap();
    s2.handle_reply(t0, Reply::Failed { id: tx.id(), retry_after_ms: Some(30_000) });
    assert!(s2.poll_transmit(UnixMillis(t0.0 + 29_999)).is_none_or(|t| matches!(t, Transmit::Pull { .. })));
    // ... and even when the network comes back meanwhile: the server said when.
    s2.network_up(UnixMillis(t0.0 + 1_000));
    let mut t = UnixMillis(t0.0 + 1_000);
    while t.0 < t0.0 + 30_000 {
        if let Some(tx) = s2.poll_transmit(t) {
            assert!(matches!(tx, Transmit::Pull { .. }), "pushed at +{} ms despite Retry-After: 30", t.0 - t0.0);
            s2.handle_reply(t, Reply::Failed { id: tx.id(), retry_after_ms: None });
        }
        let next = s2.poll_timeout().unwrap();
        t = next.max(UnixMillis(t.0 + 1));
    }
    let pushed = (0..4).any(|_| matches!(s2.poll_transmit(UnixMillis(t0.0 + 30_000)), Some(Transmit::Push { .. })));
    assert!(pushed, "due once the server's wait is over");
    let _ = RequestId(0);
}

#[test]
fn every_answer_from_the_server_moves_the_contact_time() {
    let mut s = SyncSession::new(DeviceId(1), SyncConfig::default(), 0, 0, 9);
    s.restore_contact(UnixMillis(500));
    assert_eq!(s.last_contact(), Some(UnixMillis(500)));
    let mut contacts = Vec::new();
    let mut now = UnixMillis(1_000);
    for round in 0..4u64 {
        let Some(tx) = s.poll_transmit(now) else { panic!("a pull is due at round {round}") };
        let reply = if round == 2 {
            Reply::Failed { id: tx.id(), retry_after_ms: None }
        } else {
            Reply::Pulled { id: tx.id(), server_time: now, revision: 0, seq: 0, admissions: vec![], epoch: None }
        };
        s.handle_reply(now, reply);
        while let Some(ev) = s.poll_event() {
            if let SyncEvent::Contact { at } = ev {
                contacts.push(at.0);
            }
        }
        now = s.poll_timeout().unwrap();
    }
    // Three answers (a failure is no contact), each time with its own moment.
    assert_eq!(contacts.len(), 3, "{contacts:?}");
    assert!(contacts.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s.last_contact(), contacts.last().map(|&t| UnixMillis(t)));
}

#[test]
fn clock_offset_is_learned_from_the_shortest_round_trip() {
    let mut s = SyncSession::new(DeviceId(1), SyncConfig::default(), 0, 0, 5);
    // The phone's clock is 90 s behind the server.
    let device_t = UnixMillis(1_000_000);
    let Some(Transmit::Pull { id, .. }) = s.poll_transmit(device_t) else { panic!("expected a pull") };
    let server_time = UnixMillis(device_t.0 + 90_000 + 400);
    s.handle_reply(
        UnixMillis(device_t.0 + 800),
        Reply::Pulled { id, server_time, revision: 0, seq: 0, admissions: vec![], epoch: None },
    );
    assert_eq!(s.clock_offset_ms(), Some(90_000));
    assert_eq!(s.server_now(UnixMillis(2_000_000)), UnixMillis(2_090_000));
    let mut saw = false;
    while let Some(ev) = s.poll_event() {
        saw |= matches!(ev, SyncEvent::ClockOffset { offset_ms: 90_000 });
    }
    assert!(saw);
}

#[test]
fn the_live_stream_moves_the_ledger_at_once_slows_pulls_and_never_skips_a_gap() {
    use ingia_core::live::LiveMessage;
    let entry = |ticket: u32, device: u32, seq: u64| LedgerEntry {
        standing: Standing::Accepted { seq },
        ticket: TicketId(ticket),
        device: DeviceId(device),
        scan_id: ScanId(seq),
        stamp: Stamp { at: UnixMillis(900), gate: GateId(0), device: DeviceId(device) },
        movement: Movement::Entry,
    };
    let admissions = |after, seq, entries| LiveMessage::Admissions { after, seq, server_time: UnixMillis(0), entries };
    let config = SyncConfig::default();
    let mut s = SyncSession::new(DeviceId(1), config, 4, 10, 9);
    let mut now = UnixMillis(1_000);
    let tx = s.poll_transmit(now).expect("first pull");
    s.handle_reply(
        now,
        Reply::Pulled { id: tx.id(), server_time: now, revision: 4, seq: 10, admissions: vec![], epoch: None },
    );
    assert_eq!(s.poll_timeout(), Some(now.saturating_add_ms(config.pull_interval_ms)));
    // Up: the next pull waits the live interval.
    s.live_up(now);
    assert!(s.is_live());
    assert_eq!(s.poll_timeout(), Some(now.saturating_add_ms(config.live_pull_interval_ms)));
    // Another gate's admission arrives: in the ledger, cursor moved, no request.
    now = UnixMillis(2_000);
    s.handle_live(now, admissions(10, 11, vec![entry(7, 2, 11)]));
    assert_eq!(s.cursors(), (4, 11));
    assert!(s.ledger().entries().any(|e| e.ticket == TicketId(7)));
    assert!(s.poll_transmit(now).is_none(), "no pull while the stream brings everything");
    s.network_up(now);
    assert!(s.poll_transmit(now).is_none(), "the browser's `online` while the stream holds: nothing missed");
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(events.iter().any(|e| matches!(e, SyncEvent::Learned(x) if x.ticket == TicketId(7))));
    assert!(events.iter().any(|e| matches!(e, SyncEvent::Cursor { seq: 11, .. })));
    // A message after a gap (13 follows 12, which this session never saw): learned, but the
    // cursor stays at 11 and a pull is due now to fetch 12.
    s.handle_live(now, admissions(12, 13, vec![entry(8, 2, 13)]));
    assert_eq!(s.cursors(), (4, 11));
    assert!(s.ledger().entries().any(|e| e.ticket == TicketId(8)));
    let Some(Transmit::Pull { seq: 11, .. }) = s.poll_transmit(now) else { panic!("the gap is pulled") };
    // A newer manifest revision makes a pull due at once too.
    let mut t = SyncSession::new(DeviceId(1), config, 4, 10, 9);
    let tx = t.poll_transmit(now).unwrap();
    t.handle_reply(
        now,
        Reply::Pulled { id: tx.id(), server_time: now, revision: 4, seq: 10, admissions: vec![], epoch: None },
    );
    t.live_up(now);
    t.handle_live(now, LiveMessage::Revision(4));
    assert!(t.poll_transmit(now).is_none(), "the same revision: nothing to pull");
    t.handle_live(now, LiveMessage::Revision(5));
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Pull { revision: 4, .. })));
    // A keep-alive is contact while live (the gate's "data as of" follows it), not otherwise.
    t.live_heard(UnixMillis(9_000));
    assert_eq!(t.last_contact(), Some(UnixMillis(9_000)));
    // Down: back to the normal pace, starting now.
    let mut u = SyncSession::new(DeviceId(1), config, 4, 10, 9);
    let tx = u.poll_transmit(now).unwrap();
    u.handle_reply(
        now,
        Reply::Pulled { id: tx.id(), server_time: now, revision: 4, seq: 10, admissions: vec![], epoch: None },
    );
    u.live_up(now);
    u.live_down(UnixMillis(3_000));
    assert!(!u.is_live());
    assert!(u.poll_transmit(UnixMillis(3_000)).is_some(), "what was missed is pulled at once");
    u.live_heard(UnixMillis(4_000));
    assert_ne!(u.last_contact(), Some(UnixMillis(4_000)));
}

#[test]
fn a_phone_list_replaces_the_last_moves_no_cursor_and_ages_out_on_the_server_clock() {
    use ingia_core::live::{LiveMessage, PhoneArrival, PHONE_WINDOW_MS};
    let config = SyncConfig::default();
    let mut s = SyncSession::new(DeviceId(1), config, 4, 10, 9);
    // The device's clock runs 10 minutes behind the server's.
    let server = UnixMillis(50_000_000);
    let device = UnixMillis(server.0 - 600_000);
    let tx = s.poll_transmit(device).unwrap();
    s.handle_reply(
        device,
        Reply::Pulled { id: tx.id(), server_time: server, revision: 4, seq: 10, admissions: vec![], epoch: None },
    );
    s.live_up(device);
    let arrival = |ticket: u32, at: u64| PhoneArrival {
        ticket: TicketId(ticket),
        at: UnixMillis(at),
        code: "FMXY".into(),
        name: "Adaeze O.".into(),
    };
    s.handle_live(
        device,
        LiveMessage::Phone(vec![arrival(5, server.0 - 1_000), arrival(6, server.0 - PHONE_WINDOW_MS + 60_000)]),
    );
    assert_eq!(s.cursors(), (4, 10), "a phone list is no admission: the cursor stays");
    assert_eq!(s.phone_arrivals(device).map(|a| a.ticket.0).collect::<Vec<_>>(), vec![5, 6]);
    // Two minutes on (the device's clock), the older one is past the window on the server's.
    let later = UnixMillis(device.0 + 120_000);
    assert_eq!(s.phone_arrivals(later).map(|a| a.ticket.0).collect::<Vec<_>>(), vec![5]);
    // The next list replaces this one whole.
    s.handle_live(later, LiveMessage::Phone(vec![arrival(9, server.0)]));
    assert_eq!(s.phone_arrivals(later).map(|a| a.ticket.0).collect::<Vec<_>>(), vec![9]);
    s.handle_live(later, LiveMessage::Phone(vec![]));
    assert_eq!(s.phone_arrivals(later).count(), 0);
}

/// A server restored from a backup (its epoch changed) is sent again every record it had
/// settled for this device: it keeps its answer for those the backup holds and decides the
/// others, so nothing since the backup is lost and nothing is doubled. The first epoch a device
/// hears is only learned; the settled records survive a reload.
#[test]
fn a_restored_server_is_sent_the_settled_records_again() {
    let record = |n: u64| CheckIn {
        device: DeviceId(1),
        scan_id: ScanId(n),
        event: EVENT,
        ticket: Some(TicketId(n as u32)),
        gate: GateId(0),
        staff: "s".into(),
        at: UnixMillis(1_000 + n),
        movement: Movement::Entry,
        result: ScanResult::Admitted,
        proof: Proof::None,
    };
    let mut server = FirstWins::new();
    for t in 1..=4 {
        server.add_ticket(TicketId(t), TicketStatus::Active, false);
    }
    let now = UnixMillis(10_000);
    let push = |s: &mut SyncSession, server: &mut FirstWins| {
        let Some(Transmit::Push { id, records }) = s.poll_transmit(now) else { panic!("a push is due") };
        let results = records.iter().map(|r| server.submit(r)).collect();
        s.handle_reply(now, Reply::Pushed { id, server_time: now, results });
        records.len()
    };
    let pull = |s: &mut SyncSession, server: &FirstWins, epoch: u64| {
        s.network_up(now);
        let Some(Transmit::Pull { id, .. }) = s.poll_transmit(now) else { panic!("a pull is due") };
        let reply = Reply::Pulled {
            id,
            server_time: now,
            revision: 0,
            seq: server.last_seq(),
            admissions: vec![],
            epoch: Some(epoch),
        };
        s.handle_reply(now, reply);
        std::iter::from_fn(|| s.poll_event())
            .filter_map(|e| match e {
                SyncEvent::Epoch { epoch, resent } => {
                    Some((epoch, resent.iter().map(|r| r.scan_id.0).collect::<Vec<_>>()))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut s = SyncSession::new(DeviceId(1), SyncConfig::default(), 0, 0, 3);
    s.enqueue(record(1));
    assert_eq!(push(&mut s, &mut server), 1);
    assert_eq!(pull(&mut s, &server, 0), vec![(0, vec![])], "the first epoch heard is learned, nothing resent");
    assert_eq!(pull(&mut s, &server, 0), vec![], "the same epoch again: nothing");
    let backup = server.clone();
    s.enqueue(record(2));
    assert_eq!(push(&mut s, &mut server), 1);
    assert_eq!(s.pending(), 0);

    // The server is restored: record 2 is gone from it.
    let mut server = backup;
    assert_eq!(server.decision(DeviceId(1), ScanId(2)), None);
    // Meanwhile the device reloads: its settled records come back from storage.
    let kept: Vec<CheckIn> = vec![record(1), record(2)];
    let mut s = SyncSession::new(DeviceId(1), SyncConfig::default(), 0, s.cursors().1, 4);
    s.restore_sent(Some(0), kept.clone());
    assert_eq!(pull(&mut s, &server, 77), vec![(77, vec![1, 2])]);
    assert_eq!(s.pending(), 2);
    assert_eq!(push(&mut s, &mut server), 2);
    assert_eq!(s.pending(), 0);
    assert_eq!(server.decided_count(), 2, "nothing lost since the backup, nothing doubled");
    assert!(matches!(server.decision(DeviceId(1), ScanId(2)), Some(SyncOutcome::Accepted { .. })));
    assert_eq!(server.accepted_since(0).len(), 2);
    // Settled again, they are kept again: a second restore sends them once more.
    assert_eq!(pull(&mut s, &server, 78), vec![(78, vec![1, 2])]);

    // A device paired after the restore (no epoch kept) only learns it.
    let mut fresh = SyncSession::new(DeviceId(2), SyncConfig::default(), 0, 0, 5);
    fresh.restore_sent(None, []);
    assert_eq!(pull(&mut fresh, &server, 78), vec![(78, vec![])]);
    assert_eq!(fresh.epoch(), Some(78));
}
