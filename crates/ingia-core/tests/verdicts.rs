//! Every verdict `validate` can give, reached through real tokens from the sample event.

use ingia_core::rotating::{code_for, current_code};
use ingia_core::sample::{
    sample_event, SampleEvent, GENERAL, MAIN_GATE, PRINTED, SAMPLE_CLOSE, SAMPLE_DOORS, VIP, VIP_GATE,
};
use ingia_core::verdict::Malformed;
use ingia_core::*;

const T: UnixMillis = UnixMillis((SAMPLE_DOORS as u64 + 7_200) * 1000);

fn event() -> SampleEvent {
    sample_event(7, 40)
}

fn of_type(ev: &SampleEvent, t: TicketTypeId) -> &Issued {
    ev.issued.iter().find(|i| i.entry.ticket_type == t).unwrap()
}

fn live(ev: &SampleEvent, issued: &Issued, now: UnixMillis) -> String {
    let code = current_code(&issued.entry.code_secret, now, ev.manifest.event.code_step_secs);
    issued.credential.with_code(code).to_text()
}

fn entry(text: &str) -> Scan<'_> {
    Scan { presented: Presented::Qr(text), movement: Movement::Entry }
}

fn exit(text: &str) -> Scan<'_> {
    Scan { presented: Presented::Qr(text), movement: Movement::Exit }
}

fn check(ev: &SampleEvent, ledger: &Ledger, scan: Scan<'_>, gate: GateId, now: UnixMillis) -> Verdict {
    validate(&scan, &ev.manifest, ledger, gate, now)
}

fn reason(v: Verdict) -> Refusal {
    match v {
        Verdict::Refuse { reason, .. } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn admitted(ledger: &mut Ledger, v: Verdict, device: u32, scan: u64, gate: GateId, now: UnixMillis) {
    let record = CheckIn::from_verdict(
        DeviceId(device),
        ScanId(scan),
        EventId(0),
        gate,
        "ada",
        now,
        Movement::Entry,
        &v,
        Presented::Qr(""),
        6,
    );
    ledger.merge(LedgerEntry::from_checkin(&record, Standing::Local).expect("an admission"));
}

#[test]
fn a_live_code_admits_and_a_second_scan_says_when_where_and_which_device() {
    let ev = event();
    let ticket = of_type(&ev, GENERAL);
    let text = live(&ev, ticket, T);
    let mut ledger = Ledger::new();
    let v = check(&ev, &ledger, entry(&text), MAIN_GATE, T);
    assert_eq!(v, Verdict::Admit { ticket: ticket.entry.id, movement: Movement::Entry, reentry: false });
    assert_eq!(v.tone(), Tone::Green);
    admitted(&mut ledger, v, 3, 1, MAIN_GATE, T);
    let later = T.saturating_add_ms(5_000);
    let again = check(&ev, &ledger, entry(&live(&ev, ticket, later)), MAIN_GATE, later);
    let stamp = Stamp { at: T, gate: MAIN_GATE, device: DeviceId(3) };
    assert_eq!(reason(again), Refusal::AlreadyCheckedIn(stamp));
    assert_eq!(again.tone(), Tone::Amber);
    assert_eq!(again.ticket(), Some(ticket.entry.id));
}

#[test]
fn printed_tickets_and_pins() {
    let ev = event();
    let printed = of_type(&ev, PRINTED);
    let text = printed.credential.static_token().to_text();
    assert!(check(&ev, &Ledger::new(), entry(&text), MAIN_GATE, T).is_admit());
    // A static code for a type that needs the live code: the screenshot/print of a phone ticket.
    let general = of_type(&ev, GENERAL);
    let stat = general.credential.static_token().to_text();
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&stat), MAIN_GATE, T)), Refusal::CodeRequired);
    // PINs follow the type policy: a printed ticket's PIN admits, a General ticket's does not.
    let pin = printed.entry.pin.to_string();
    let by_pin = Scan { presented: Presented::Pin(&pin), movement: Movement::Entry };
    assert!(check(&ev, &Ledger::new(), by_pin, MAIN_GATE, T).is_admit());
    let gpin = general.entry.pin.to_string();
    let by_gpin = Scan { presented: Presented::Pin(&gpin), movement: Movement::Entry };
    assert_eq!(reason(check(&ev, &Ledger::new(), by_gpin, MAIN_GATE, T)), Refusal::WayNotAccepted);
    let mut unknown = 0;
    let mut value = 0;
    while unknown == 0 {
        let p = Pin::new(value, ev.manifest.event.pin_digits).unwrap();
        if ev.manifest.ticket_by_pin(p).is_none() {
            unknown = 1;
            let s = p.to_string();
            let scan = Scan { presented: Presented::Pin(&s), movement: Movement::Entry };
            assert_eq!(reason(check(&ev, &Ledger::new(), scan, MAIN_GATE, T)), Refusal::UnknownPin);
        }
        value += 1;
    }
    let scan = Scan { presented: Presented::Pin("12ab"), movement: Movement::Entry };
    assert!(matches!(reason(check(&ev, &Ledger::new(), scan, MAIN_GATE, T)), Refusal::Malformed(Malformed::Pin(_))));
}

#[test]
fn each_way_in_admits_exactly_when_the_type_accepts_it_and_the_live_code_always() {
    for bits in 0..8u8 {
        let mut ev = event();
        let ways = Ways::from_bits(bits);
        assert_eq!(ways.bits(), bits);
        ev.manifest.ticket_types.iter_mut().find(|t| t.id == PRINTED).unwrap().policy.ways = ways;
        // The manifest carries the ways to the gates.
        let copy = Manifest::decode(&ev.manifest.encode()).unwrap();
        assert_eq!(copy.ticket_type(PRINTED).unwrap().policy.ways, ways);
        let printed = of_type(&ev, PRINTED);
        let pin = printed.entry.pin.to_string();
        let stat = printed.credential.static_token().to_text();
        let live_text = live(&ev, printed, T);
        let at = |presented| check(&ev, &Ledger::new(), Scan { presented, movement: Movement::Entry }, MAIN_GATE, T);
        assert!(at(Presented::Qr(&live_text)).is_admit(), "{ways:?}: the live code always admits");
        let expect = |ok: bool, v: Verdict, refusal: Refusal| {
            if ok {
                assert!(v.is_admit(), "{ways:?}: {v:?}");
            } else {
                assert_eq!(reason(v), refusal, "{ways:?}");
            }
        };
        expect(ways.printed, at(Presented::Qr(&stat)), Refusal::CodeRequired);
        expect(ways.pin, at(Presented::Pin(&pin)), Refusal::WayNotAccepted);
        expect(ways.phone, at(Presented::Phone(&pin)), Refusal::WayNotAccepted);
        assert_eq!(ways.uses_pin(), ways.pin || ways.phone);
    }
}

/// The manifest as version 3 wrote it: without the event's language (the str after
/// `keep_hours`, after the time zone).
fn older(m: &Manifest) -> Vec<u8> {
    let mut bytes = m.encode();
    assert_eq!(bytes[3], 4);
    let zone = bytes.windows(m.event.time_zone.len()).position(|w| w == m.event.time_zone.as_bytes()).unwrap();
    let tag = m.event.lang.tag().as_bytes();
    let at =
        zone + bytes[zone..].windows(tag.len() + 1).position(|w| w[0] as usize == tag.len() && &w[1..] == tag).unwrap();
    bytes.drain(at..at + 1 + tag.len());
    bytes[3] = 3;
    bytes
}

#[test]
fn the_event_s_language_travels_with_its_manifest_and_an_older_one_opens_in_english() {
    let mut ev = event();
    ev.manifest.event.lang = ingia_core::Lang::Am;
    assert_eq!(Manifest::decode(&ev.manifest.encode()).unwrap().event.lang, ingia_core::Lang::Am);
    let v3 = Manifest::decode(&older(&ev.manifest)).unwrap();
    assert_eq!(v3.event.lang, ingia_core::Lang::En);
    assert_eq!(v3.ticket_count(), ev.manifest.ticket_count());
}

#[test]
fn a_manifest_cached_before_ways_still_opens_with_what_its_code_flag_meant() {
    for (ways, then) in [(Ways { printed: false, pin: true, phone: true }, Ways::LIVE_ONLY), (Ways::ALL, Ways::ALL)] {
        let mut ev = event();
        for t in &mut ev.manifest.ticket_types {
            t.policy.ways = ways;
        }
        let mut bytes = older(&ev.manifest);
        // "IGM", then the version: a version 2 manifest had bit 0 = "live code required" only.
        bytes[3] = 2;
        let old = Manifest::decode(&bytes).unwrap();
        assert!(old.ticket_types.iter().all(|t| t.policy.ways == then));
        assert_eq!(old.ticket_type(VIP).unwrap().policy.reentry, ev.manifest.ticket_type(VIP).unwrap().policy.reentry);
    }
}

#[test]
fn stale_and_wrong_codes() {
    let ev = event();
    let t = of_type(&ev, GENERAL);
    let step = ev.manifest.event.code_step_secs as u64 * 1000;
    // A screenshot from two steps ago.
    let old = live(&ev, t, UnixMillis(T.0 - 2 * step));
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&old), MAIN_GATE, T)), Refusal::StaleCode);
    // One step ago still passes (clock drift between phones).
    let recent = live(&ev, t, UnixMillis(T.0 - step));
    assert!(check(&ev, &Ledger::new(), entry(&recent), MAIN_GATE, T).is_admit());
    // A made-up code for the current step.
    let mut code = current_code(&t.entry.code_secret, T, 30);
    code.code = (code.code + 1) % 100_000_000;
    let made_up = t.credential.with_code(code).to_text();
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&made_up), MAIN_GATE, T)), Refusal::Forged);
    // Another ticket's code on this credential.
    let other = &ev.issued[5];
    let borrowed = RotatingCode { step: code.step, code: code_for(&other.entry.code_secret, code.step) };
    let text = t.credential.with_code(borrowed).to_text();
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&text), MAIN_GATE, T)), Refusal::Forged);
}

#[test]
fn forged_wrong_event_and_malformed() {
    let ev = event();
    let t = of_type(&ev, GENERAL);
    let code = current_code(&t.entry.code_secret, T, 30);
    // Signed with a key the event does not list under that key id.
    let thief = EventSigningKey::from_seed(KeyId(1), [0x66; 32]);
    let forged = t.credential.credential.sign(&thief).with_code(code).to_text();
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&forged), MAIN_GATE, T)), Refusal::Forged);
    // An unknown key id.
    let mut cred = t.credential.credential;
    cred.key_id = KeyId(9);
    let unknown_key = cred.sign(&EventSigningKey::from_seed(KeyId(9), [0x67; 32])).with_code(code).to_text();
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&unknown_key), MAIN_GATE, T)), Refusal::Forged);
    // Tampered: the signed ticket type changed to VIP without re-signing.
    let mut tampered = t.credential.with_code(code);
    tampered.signed.credential.ticket_type = VIP;
    assert_eq!(reason(check(&ev, &Ledger::new(), entry(&tampered.to_text()), MAIN_GATE, T)), Refusal::Forged);
    // A genuine ticket of another event (cross-event).
    let other = sample_event(8, 5);
    let theirs = live(&other, &other.issued[0], T);
    assert_eq!(
        reason(check(&ev, &Ledger::new(), entry(&theirs), MAIN_GATE, T)),
        Refusal::WrongEvent { event: other.manifest.event.id }
    );
    let v = check(&ev, &Ledger::new(), entry("https://example.org/not-a-ticket"), MAIN_GATE, T);
    assert_eq!(reason(v), Refusal::Malformed(Malformed::Token(TokenError::NotIngia)));
    assert_eq!(v.tone(), Tone::Red);
}

#[test]
fn validity_window_status_and_unknown_tickets() {
    let mut ev = event();
    let t = of_type(&ev, GENERAL).clone();
    let early = UnixMillis::from_secs(SAMPLE_DOORS as u64 - 1);
    assert!(matches!(
        reason(check(&ev, &Ledger::new(), entry(&live(&ev, &t, early)), MAIN_GATE, early)),
        Refusal::NotYetValid { .. }
    ));
    let late = UnixMillis::from_secs(SAMPLE_CLOSE as u64 + 1);
    assert!(matches!(
        reason(check(&ev, &Ledger::new(), entry(&live(&ev, &t, late)), MAIN_GATE, late)),
        Refusal::Expired { .. }
    ));
    let last_second = UnixMillis::from_secs(SAMPLE_CLOSE as u64);
    assert!(check(&ev, &Ledger::new(), entry(&live(&ev, &t, last_second)), MAIN_GATE, last_second).is_admit());
    for (status, refusal) in [
        (TicketStatus::Refunded, Refusal::Refunded),
        (TicketStatus::Revoked, Refusal::Revoked),
        (TicketStatus::Blocked, Refusal::Blocked),
    ] {
        let mut entry_ = t.entry.clone();
        entry_.status = status;
        entry_.revision += 1000;
        ev.manifest.upsert(entry_).unwrap();
        assert_eq!(reason(check(&ev, &Ledger::new(), entry(&live(&ev, &t, T)), MAIN_GATE, T)), refusal);
        assert_eq!(refusal.kind().tone(), Tone::Red);
    }
    // Issued after this device's last sync: genuine, but needs an online check.
    let small = sample_event(7, 10);
    let newer = sample_event(7, 40);
    let late_ticket = newer.issued.iter().find(|i| i.entry.id.0 > 10 && i.entry.ticket_type == GENERAL).unwrap();
    let text = live(&newer, late_ticket, T);
    assert_eq!(reason(check(&small, &Ledger::new(), entry(&text), MAIN_GATE, T)), Refusal::UnknownTicket);
}

#[test]
fn gates_exits_and_reentry() {
    let ev = event();
    let vip = of_type(&ev, VIP);
    let general = of_type(&ev, GENERAL);
    let mut ledger = Ledger::new();
    assert_eq!(reason(check(&ev, &ledger, entry(&live(&ev, vip, T)), MAIN_GATE, T)), Refusal::WrongGate);
    // General tickets enter at any gate.
    assert!(check(&ev, &ledger, entry(&live(&ev, general, T)), VIP_GATE, T).is_admit());
    let vip_text = live(&ev, vip, T);
    assert_eq!(reason(check(&ev, &ledger, exit(&vip_text), VIP_GATE, T)), Refusal::NotInside);
    let v = check(&ev, &ledger, entry(&vip_text), VIP_GATE, T);
    admitted(&mut ledger, v, 1, 1, VIP_GATE, T);
    let out = check(&ev, &ledger, exit(&vip_text), VIP_GATE, T);
    assert_eq!(out, Verdict::Admit { ticket: vip.entry.id, movement: Movement::Exit, reentry: false });
    let rec = CheckIn::from_verdict(
        DeviceId(1),
        ScanId(2),
        ev.manifest.event.id,
        VIP_GATE,
        "ada",
        T.saturating_add_ms(1),
        Movement::Exit,
        &out,
        Presented::Qr(""),
        6,
    );
    ledger.merge(LedgerEntry::from_checkin(&rec, Standing::Local).unwrap());
    let back = T.saturating_add_ms(60_000);
    let v = check(&ev, &ledger, entry(&live(&ev, vip, back)), VIP_GATE, back);
    assert_eq!(v, Verdict::Admit { ticket: vip.entry.id, movement: Movement::Entry, reentry: true });
    // A General ticket (no re-entry) that went out cannot come back.
    let g = live(&ev, general, T);
    let v = check(&ev, &ledger, entry(&g), MAIN_GATE, T);
    admitted(&mut ledger, v, 1, 3, MAIN_GATE, T);
    let out = check(&ev, &ledger, exit(&g), MAIN_GATE, T);
    let rec = CheckIn::from_verdict(
        DeviceId(1),
        ScanId(4),
        ev.manifest.event.id,
        MAIN_GATE,
        "ada",
        T.saturating_add_ms(1),
        Movement::Exit,
        &out,
        Presented::Qr(""),
        6,
    );
    ledger.merge(LedgerEntry::from_checkin(&rec, Standing::Local).unwrap());
    assert!(matches!(reason(check(&ev, &ledger, entry(&g), MAIN_GATE, T)), Refusal::AlreadyCheckedIn(_)));
}

#[test]
fn every_refusal_kind_has_a_unique_slug_and_round_trips() {
    let mut slugs: Vec<&str> = RefusalKind::ALL.iter().map(|k| k.slug()).collect();
    for k in RefusalKind::ALL {
        assert_eq!(RefusalKind::from_slug(k.slug()), Some(k));
    }
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), RefusalKind::ALL.len());
}

/// The sample manifest as a steward's phone (`with_pins`) or a kiosk holds it: every entry sealed.
fn sealed(ev: &SampleEvent, with_pins: bool) -> Manifest {
    let mut delta = ev.manifest.delta_since(0);
    for t in delta.tickets.iter_mut() {
        let issued = ev.issued.iter().find(|i| i.entry.id == t.id).unwrap();
        let pin = with_pins.then(|| ingia_core::seal::pin_secret(ev.manifest.event.id, t.pin));
        *t = t.sealed_for_gate(ev.manifest.event.id, &issued.credential.signature, pin.as_ref());
    }
    Manifest::decode(&Manifest::from_delta(delta).unwrap().encode()).unwrap()
}

#[test]
fn a_sealed_manifest_decides_every_scan_as_the_clear_one_and_holds_no_name_pin_or_secret() {
    let ev = sample_event(11, 60);
    let steward = sealed(&ev, true);
    let kiosk = sealed(&ev, false);
    let ledger = Ledger::new();
    for issued in &ev.issued {
        let live = live(&ev, issued, T);
        let printed = issued.credential.static_token().to_text();
        let pin = issued.entry.pin.to_string();
        for scan in [entry(&live), entry(&printed), Scan { presented: Presented::Pin(&pin), movement: Movement::Entry }]
        {
            for gate in [MAIN_GATE, VIP_GATE] {
                let clear = decide_scan(&scan, &ev.manifest, &ledger, gate, T);
                let (verdict, opened) = decide_scan(&scan, &steward, &ledger, gate, T);
                assert_eq!(verdict, clear.0, "{scan:?}");
                assert_eq!(opened.map(|e| e.holder.clone()), clear.1.map(|e| e.holder.clone()), "the name opens");
                if matches!(scan.presented, Presented::Qr(_)) {
                    assert_eq!(validate(&scan, &kiosk, &ledger, gate, T), clear.0);
                } else {
                    assert_eq!(
                        reason(validate(&scan, &kiosk, &ledger, gate, T)),
                        Refusal::UnknownPin,
                        "a kiosk takes no PIN"
                    );
                }
            }
        }
    }
    // A made-up PIN and a forged code stay refused.
    let taken: Vec<u32> = ev.issued.iter().map(|i| i.entry.pin.value()).collect();
    let free = (0..1_000_000u32).find(|p| !taken.contains(p)).unwrap();
    let free = Pin::new(free, 6).unwrap().to_string();
    assert_eq!(
        reason(validate(
            &Scan { presented: Presented::Pin(&free), movement: Movement::Entry },
            &steward,
            &ledger,
            MAIN_GATE,
            T
        )),
        Refusal::UnknownPin
    );
    // What the phone stores: no holder name, no code secret, no PIN as typed.
    for bytes in [steward.encode(), kiosk.encode()] {
        for issued in &ev.issued {
            let name = issued.entry.holder.as_bytes();
            assert!(!bytes.windows(name.len()).any(|w| w == name), "{}", issued.entry.holder);
            assert!(!bytes.windows(16).any(|w| w == issued.entry.code_secret.0));
            let pin = issued.entry.pin.to_string();
            assert!(!bytes.windows(pin.len()).any(|w| w == pin.as_bytes()));
        }
    }
    // A delta of sealed entries applies on a sealed manifest, and PINs stay found.
    let mut later = sealed(&sample_event(11, 40), true);
    later.apply(steward.delta_since(40)).unwrap();
    assert_eq!(later.ticket_count(), 60);
    let last = &ev.issued[59];
    assert_eq!(later.ticket_by_typed_pin(last.entry.pin).map(|e| e.id), Some(last.entry.id));
}

#[test]
fn a_gate_keeps_the_event_for_its_hours_after_the_end_and_no_longer() {
    let mut info = event().manifest.event.clone();
    info.keep_hours = 6;
    let end = info.ends_at * 1000;
    assert!(!info.expired(end));
    assert!(!info.expired(end + 6 * 3_600_000 - 1));
    assert!(info.expired(end + 6 * 3_600_000));
    // The setting travels in the manifest.
    let mut m = event().manifest.delta_since(0);
    m.event.keep_hours = 6;
    assert_eq!(Manifest::decode(&Manifest::from_delta(m).unwrap().encode()).unwrap().event.keep_hours, 6);
}
