//! The gate's sentences with values in them, in the language asked: verdict headlines and
//! details, the status line's counts, conflicts, recent scans, search results, data age and its
//! warning, the lock, the camera's prompts. The engine writes its answers with these, and the
//! scanner and kiosk pages take their fixed words from [`crate::i18n`], so a steward and a kiosk
//! say the same thing.
//! Invariant: pure; wall-clock times are shown through a [`Clock`] the caller supplies (the
//! device's time zone), never read here.

use alloc::format;
use alloc::string::String;

use crate::checkin::{Movement, ScanResult};
use crate::i18n::{fill, Lang};
use crate::ids::{DeviceId, GateId, TicketId, UnixMillis};
use crate::manifest::TicketStatus;
use crate::presence::Stamp;
use crate::verdict::{Refusal, RefusalKind, Tone, Verdict};

/// How a sentence writes times and counts, as the caller says (the browser: its `Intl` in the
/// reader's language, times in the event's time zone): the time of day of an instant, and a
/// number (`4 321` in French, `4,321` in English).
#[derive(Clone, Copy)]
pub struct Clock<'a>(pub &'a dyn Fn(UnixMillis) -> String, pub &'a dyn Fn(u64) -> String);

impl Clock<'_> {
    /// The time of day of `at`.
    pub fn hhmm(&self, at: UnixMillis) -> String {
        (self.0)(at)
    }

    pub fn number(&self, n: u64) -> String {
        (self.1)(n)
    }
}

/// Digits as they are, for a caller without a number format.
pub fn plain_number(n: u64) -> String {
    n.to_string()
}

/// `HH:MM` at a fixed offset from UTC (minutes east): where no `Intl` says better.
pub fn hhmm_at_offset(at: UnixMillis, minutes_east: i32) -> String {
    let local = at.0 as i64 / 60_000 + i64::from(minutes_east);
    let minutes = local.rem_euclid(24 * 60) as u32;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The verdict's headline, in plain words for the steward.
pub fn headline(lang: Lang, kind: RefusalKind) -> &'static str {
    let w = lang.words();
    match kind {
        RefusalKind::Malformed => w.not_a_ticket,
        RefusalKind::Forged => w.fake_ticket,
        RefusalKind::WrongEvent => w.other_event,
        RefusalKind::NotYetValid => w.not_valid_yet,
        RefusalKind::Expired => w.expired,
        RefusalKind::Refunded => w.refunded,
        RefusalKind::Revoked => w.cancelled,
        RefusalKind::Blocked => w.blocked,
        RefusalKind::StaleCode => w.old_code,
        RefusalKind::CodeRequired => w.needs_live_code,
        RefusalKind::WayNotAccepted => w.not_by_pin,
        RefusalKind::AlreadyCheckedIn => w.already_checked_in,
        RefusalKind::WrongGate => w.wrong_gate,
        RefusalKind::NotInside => w.not_inside,
        RefusalKind::UnknownTicket => w.not_on_device,
        RefusalKind::UnknownPin => w.no_such_pin,
    }
}

/// What the full-screen verdict says: its tone, title and detail line. A kiosk greets the
/// attendee by name and sends every refusal to staff.
pub fn verdict(
    lang: Lang,
    v: &Verdict,
    holder: &str,
    gate_name: &dyn Fn(GateId) -> String,
    clock: Clock<'_>,
    kiosk: bool,
) -> (Tone, String, String) {
    let w = lang.words();
    match v {
        Verdict::Admit { movement: Movement::Exit, .. } => (Tone::Green, w.exit_recorded.into(), String::new()),
        Verdict::Admit { .. } if kiosk => (Tone::Green, put(lang, w.welcome_name, &[("name", holder)]), String::new()),
        Verdict::Admit { reentry, .. } => {
            (Tone::Green, w.welcome.into(), if *reentry { w.reentry.into() } else { String::new() })
        }
        Verdict::Refuse { reason, .. } => {
            let detail = match reason {
                _ if kiosk => w.kiosk_see_staff.into(),
                Refusal::AlreadyCheckedIn(stamp) => put(
                    lang,
                    w.already_at,
                    &[
                        ("time", &clock.hhmm(stamp.at)),
                        ("gate", &gate_name(stamp.gate)),
                        ("device", &stamp.device.to_string()),
                    ],
                ),
                _ => String::new(),
            };
            (reason.kind().tone(), headline(lang, reason.kind()).into(), detail)
        }
    }
}

fn count(lang: Lang, forms: &[&'static str], n: u64, clock: Clock<'_>) -> String {
    put(lang, lang.plural(forms, n), &[("n", &clock.number(n))])
}

/// A value isolated from the text around it in a right-to-left language (empty stays empty).
fn iso(lang: Lang, value: &str) -> String {
    if lang.rtl() && !value.is_empty() {
        format!("\u{2068}{value}\u{2069}")
    } else {
        value.into()
    }
}

/// [`fill`] for a screen: in a right-to-left language each value (a time, a gate's or a
/// holder's name, a number) is isolated (FSI ... PDI) so it reads whole in either direction.
fn put(lang: Lang, template: &str, args: &[(&str, &str)]) -> String {
    if !lang.rtl() {
        return fill(template, args);
    }
    let isolated: alloc::vec::Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, iso(lang, v))).collect();
    let refs: alloc::vec::Vec<(&str, &str)> = isolated.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(template, &refs)
}

/// The sync counts of the status line.
pub fn counts(lang: Lang, pending: usize, synced: u64, conflicts: usize, clock: Clock<'_>) -> String {
    let w = lang.words();
    format!(
        "{} · {} · {}",
        count(lang, w.pending_n, pending as u64, clock),
        count(lang, w.synced_n, synced, clock),
        count(lang, w.conflicts_n, conflicts as u64, clock)
    )
}

/// The stats bar.
pub fn stats(lang: Lang, checked_in: usize, total: usize, this_gate: usize, clock: Clock<'_>) -> String {
    let [c, t, h] = [checked_in, total, this_gate].map(|n| clock.number(n as u64));
    put(lang, lang.words().stats, &[("checked", &c), ("total", &t), ("here", &h)])
}

/// A gate this device knows only by number.
pub fn unnamed_gate(lang: Lang, gate: GateId) -> String {
    put(lang, lang.words().gate_n, &[("n", &gate.to_string())])
}

/// One line of the supervisor's conflicts list; `holder` where the device holds names (a
/// sealed entry's name is not kept).
pub fn conflict(
    lang: Lang,
    holder: Option<&str>,
    ticket: TicketId,
    winner_gate: &str,
    winner: Stamp,
    mine_at: UnixMillis,
    clock: Clock<'_>,
) -> String {
    let w = lang.words();
    let who = match holder {
        Some(name) => put(lang, w.holder_ticket, &[("name", name), ("ticket", &ticket.to_string())]),
        None => unnamed_holder(lang, ticket),
    };
    put(
        lang,
        w.conflict,
        &[
            ("who", &who),
            ("gate", winner_gate),
            ("time", &clock.hhmm(winner.at)),
            ("device", &winner.device.to_string()),
            ("mine", &clock.hhmm(mine_at)),
        ],
    )
}

/// A holder whose name this device does not hold (a sealed entry not scanned here this session).
pub fn unnamed_holder(lang: Lang, ticket: TicketId) -> String {
    put(lang, lang.words().ticket_n, &[("ticket", &ticket.to_string())])
}

/// One line of the recent scans: "HH:MM · what · holder" (a list of items, not a sentence).
pub fn recent(
    lang: Lang,
    at: UnixMillis,
    movement: Movement,
    result: ScanResult,
    holder: &str,
    clock: Clock<'_>,
) -> String {
    let w = lang.words();
    let what = match result {
        ScanResult::Admitted if movement == Movement::Exit => w.exit,
        ScanResult::Admitted => w.admitted,
        ScanResult::Refused(kind) => headline(lang, kind),
    };
    let sep = if holder.is_empty() { "" } else { " · " };
    format!("{} · {what}{sep}{}", iso(lang, &clock.hhmm(at)), iso(lang, holder))
}

/// An SMS or USSD arrival on the gate's list: when, and the name to match.
pub fn phone_arrival(at: UnixMillis, name: &str, clock: Clock<'_>) -> String {
    format!("{} · {name}", clock.hhmm(at))
}

/// A ticket found by name, with its standing at the gates.
pub fn found(
    lang: Lang,
    holder: &str,
    ticket_type: &str,
    status: TicketStatus,
    first_entry: Option<(Stamp, String)>,
    clock: Clock<'_>,
) -> String {
    let w = lang.words();
    let standing = match (status, first_entry) {
        (TicketStatus::Active, Some((s, gate))) => {
            put(lang, w.found_in, &[("time", &clock.hhmm(s.at)), ("gate", &gate)])
        }
        (TicketStatus::Active, None) => w.found_not_in.into(),
        (TicketStatus::Refunded, _) => w.found_refunded.into(),
        (TicketStatus::Revoked, _) => w.found_cancelled.into(),
        (TicketStatus::Blocked, _) => w.found_blocked.into(),
    };
    format!("{} · {} · {standing}", iso(lang, holder), iso(lang, ticket_type))
}

/// "Data as of HH:MM": when the server last answered this device.
pub fn as_of(lang: Lang, last_contact: Option<UnixMillis>, clock: Clock<'_>) -> String {
    let w = lang.words();
    match last_contact {
        Some(at) => put(lang, w.data_as_of, &[("time", &clock.hhmm(at))]),
        None => w.no_contact_yet.into(),
    }
}

/// Event data older than this gets a warning: refunds and revocations may be missing.
pub const STALE_AFTER_MS: u64 = 10 * 60_000;

/// Whole minutes without contact, once that is past [`STALE_AFTER_MS`].
pub fn stale_minutes(now: UnixMillis, last_contact: UnixMillis) -> Option<u32> {
    let age = now.0.checked_sub(last_contact.0)?;
    (last_contact.0 > 0 && age > STALE_AFTER_MS).then_some((age / 60_000).min(u64::from(u32::MAX)) as u32)
}

/// The stale-data warning.
pub fn stale(lang: Lang, minutes: u32) -> String {
    put(lang, lang.words().stale, &[("n", &minutes.to_string())])
}

/// A verdict that could not be stored is not a verdict.
pub fn not_recorded(lang: Lang, why: &str) -> String {
    put(lang, lang.labels().not_recorded, &[("why", why)])
}

pub fn storage_problem(lang: Lang, why: &str) -> String {
    put(lang, lang.words().storage_problem, &[("why", why)])
}

pub fn tickets_on_device(lang: Lang, n: u32) -> String {
    let plain = Clock(&|at| hhmm_at_offset(at, 0), &plain_number);
    count(lang, lang.labels().tickets_on_device, u64::from(n), plain)
}

pub fn wrong_exit_pin(lang: Lang, tries_left: u32) -> String {
    let plain = Clock(&|at| hhmm_at_offset(at, 0), &plain_number);
    count(lang, lang.words().wrong_exit_pin, u64::from(tries_left), plain)
}

pub fn exit_locked(lang: Lang, secs: u64) -> String {
    put(lang, lang.words().exit_locked, &[("n", &secs.to_string())])
}

/// Which device an admission came from.
pub fn device(lang: Lang, d: DeviceId) -> String {
    put(lang, lang.words().device_n, &[("n", &d.to_string())])
}

/// The lock's state, as the gate's details show it.
pub fn lock_state(lang: Lang, minutes: u8) -> String {
    let w = lang.labels();
    match minutes {
        0 => w.lock_off.into(),
        m => put(lang, w.lock_on, &[("n", &m.to_string())]),
    }
}

/// What the camera is doing, as the steward is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraPrompt {
    Starting,
    Running,
    Off,
    Denied,
    Unavailable,
}

pub fn camera(lang: Lang, p: CameraPrompt) -> &'static str {
    let w = lang.labels();
    match p {
        CameraPrompt::Starting => w.camera_starting,
        CameraPrompt::Running => w.camera_running,
        CameraPrompt::Off => w.camera_off,
        CameraPrompt::Denied => w.camera_denied,
        CameraPrompt::Unavailable => w.camera_unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::PinError;
    use crate::verdict::Malformed;

    const EN: Lang = Lang::En;
    const LAGOS: Clock<'static> = Clock(&|at| hhmm_at_offset(at, 60), &plain_number);

    fn gate_name(g: GateId) -> String {
        if g.0 == 1 {
            "Main gate".into()
        } else {
            unnamed_gate(EN, g)
        }
    }

    #[test]
    fn clock_shows_the_wall_time_of_the_device() {
        // 2026-12-01 19:41:00 UTC is 20:41 in Lagos (UTC+1) and 15:41 in Halifax (UTC-4).
        let at = UnixMillis(1_796_154_060_000);
        assert_eq!(LAGOS.hhmm(at), "20:41");
        assert_eq!(Clock(&|at| hhmm_at_offset(at, -240), &plain_number).hhmm(at), "15:41");
        assert_eq!(Clock(&|at| hhmm_at_offset(at, 300), &plain_number).hhmm(at), "00:41", "past midnight");
    }

    #[test]
    fn verdicts_say_what_to_do() {
        let stamp = Stamp { at: UnixMillis(1_796_154_060_000), gate: GateId(1), device: DeviceId(3) };
        let again = Verdict::Refuse { ticket: Some(TicketId(7)), reason: Refusal::AlreadyCheckedIn(stamp) };
        assert_eq!(
            verdict(EN, &again, "Ngozi", &gate_name, LAGOS, false),
            (Tone::Amber, "Already checked in".into(), "at 20:41, Main gate, device 3".into())
        );
        assert_eq!(
            verdict(EN, &again, "Ngozi", &gate_name, LAGOS, true),
            (Tone::Amber, "Already checked in".into(), EN.words().kiosk_see_staff.into())
        );
        let welcome = Verdict::Admit { ticket: TicketId(7), movement: Movement::Entry, reentry: true };
        assert_eq!(
            verdict(EN, &welcome, "Ngozi", &gate_name, LAGOS, false),
            (Tone::Green, "Welcome".into(), "Re-entry".into())
        );
        assert_eq!(verdict(EN, &welcome, "Ngozi", &gate_name, LAGOS, true).1, "Welcome, Ngozi!");
        let exit = Verdict::Admit { ticket: TicketId(7), movement: Movement::Exit, reentry: false };
        assert_eq!(verdict(EN, &exit, "Ngozi", &gate_name, LAGOS, false).1, "Exit recorded");
        let junk = Verdict::Refuse { ticket: None, reason: Refusal::Malformed(Malformed::Pin(PinError::NotDigits)) };
        assert_eq!(verdict(EN, &junk, "", &gate_name, LAGOS, false), (Tone::Red, "Not a ticket".into(), String::new()));
    }

    #[test]
    fn every_refusal_has_its_own_headline() {
        let all: alloc::collections::BTreeSet<_> = RefusalKind::ALL.iter().map(|&k| headline(EN, k)).collect();
        assert_eq!(all.len(), RefusalKind::ALL.len());
    }

    #[test]
    fn lists_and_status_lines() {
        let at = UnixMillis(1_796_154_060_000);
        assert_eq!(counts(EN, 2, 10, 1, LAGOS), "2 pending · 10 synced · 1 conflict");
        assert_eq!(stats(EN, 11, 60, 9, LAGOS), "11 / 60 checked in · 9 at this gate");
        let winner = Stamp { at, gate: GateId(2), device: DeviceId(3) };
        assert_eq!(
            conflict(EN, Some("Amara"), TicketId(14), "VIP gate", winner, UnixMillis(at.0 + 60_000), LAGOS),
            "Amara (ticket 14): admitted first at VIP gate, 20:41, device 3; this device at 20:42"
        );
        assert_eq!(recent(EN, at, Movement::Entry, ScanResult::Admitted, "Ngozi", LAGOS), "20:41 · Admitted · Ngozi");
        assert_eq!(recent(EN, at, Movement::Exit, ScanResult::Admitted, "Ngozi", LAGOS), "20:41 · Exit · Ngozi");
        assert_eq!(
            recent(EN, at, Movement::Entry, ScanResult::Refused(RefusalKind::Forged), "", LAGOS),
            "20:41 · Fake ticket"
        );
        assert_eq!(
            found(EN, "Ngozi", "VIP", TicketStatus::Active, Some((winner, "Main gate".into())), LAGOS),
            "Ngozi · VIP · checked in at 20:41, Main gate"
        );
        assert_eq!(found(EN, "Ngozi", "VIP", TicketStatus::Active, None, LAGOS), "Ngozi · VIP · not checked in");
        assert_eq!(found(EN, "Ngozi", "VIP", TicketStatus::Revoked, None, LAGOS), "Ngozi · VIP · cancelled");
        assert_eq!(as_of(EN, Some(at), LAGOS), "Data as of 20:41");
        assert_eq!(as_of(EN, None, LAGOS), "No contact with the server yet");
    }

    #[test]
    fn data_goes_stale_after_ten_minutes_without_contact() {
        let contact = UnixMillis(1_796_154_060_000);
        assert_eq!(stale_minutes(UnixMillis(contact.0 + STALE_AFTER_MS), contact), None);
        assert_eq!(stale_minutes(UnixMillis(contact.0 + 11 * 60_000), contact), Some(11));
        assert_eq!(stale_minutes(UnixMillis(contact.0 - 5), contact), None, "a clock that went back");
        assert_eq!(stale_minutes(UnixMillis(contact.0), UnixMillis(0)), None, "never contacted: no age");
        assert!(stale(EN, 11).starts_with("No contact with the server for 11 min"));
    }

    #[test]
    fn the_staff_name_rule_is_said_with_its_limit() {
        for lang in Lang::ALL {
            assert!(lang.words().bad_staff_name.contains(&crate::STAFF_NAME_MAX.to_string()), "{lang:?}");
        }
    }

    #[test]
    fn counts_are_written_as_the_caller_writes_numbers() {
        // French groups thousands with a narrow no-break space (as Intl.NumberFormat("fr") does).
        let french = Clock(&|at| hhmm_at_offset(at, 60), &|n| {
            let d = n.to_string();
            let (head, tail) = d.split_at(d.len() % 3);
            let groups: alloc::vec::Vec<&str> =
                tail.as_bytes().chunks(3).map(|c| core::str::from_utf8(c).unwrap()).collect();
            [head].into_iter().chain(groups).filter(|g| !g.is_empty()).collect::<alloc::vec::Vec<_>>().join("\u{202f}")
        });
        assert_eq!(stats(Lang::Fr, 4321, 5000, 987, french), "4\u{202f}321 / 5\u{202f}000 entrés · 987 à cette porte");
        assert_eq!(counts(Lang::Fr, 1200, 1, 0, french), "1\u{202f}200 en attente · 1 envoyé · 0 conflit");
    }

    #[test]
    fn right_to_left_sentences_isolate_their_values() {
        let at = UnixMillis(1_796_154_060_000);
        assert_eq!(as_of(Lang::Ar, Some(at), LAGOS), "البيانات حتى الساعة \u{2068}20:41\u{2069}");
        assert_eq!(
            recent(Lang::Ar, at, Movement::Entry, ScanResult::Admitted, "Ngozi", LAGOS),
            "\u{2068}20:41\u{2069} · دخل · \u{2068}Ngozi\u{2069}"
        );
        assert_eq!(as_of(Lang::Fr, Some(at), LAGOS), "Données de 20:41", "left to right: as it is");
    }

    #[test]
    fn other_languages_fill_their_own_word_order() {
        let stamp = Stamp { at: UnixMillis(1_796_154_060_000), gate: GateId(1), device: DeviceId(3) };
        let again = Verdict::Refuse { ticket: Some(TicketId(7)), reason: Refusal::AlreadyCheckedIn(stamp) };
        let (_, title, detail) = verdict(Lang::Fr, &again, "", &gate_name, LAGOS, false);
        assert_eq!((title.as_str(), detail.as_str()), ("Déjà entré", "à 20:41, Main gate, appareil 3"));
        assert_eq!(counts(Lang::Fr, 0, 2, 1, LAGOS), "0 en attente · 2 envoyés · 1 conflit");
        let plain = |t: String| t.replace(['\u{2068}', '\u{2069}'], "");
        assert_eq!(plain(counts(Lang::Ar, 0, 0, 2, LAGOS)), "0 قيد الانتظار · تم إرسال 0 · تعارضان");
        assert_eq!(tickets_on_device(Lang::Ar, 1), "تذكرة واحدة على هذا الجهاز");
        assert_eq!(plain(tickets_on_device(Lang::Ar, 5)), "5 تذاكر على هذا الجهاز");
        assert_eq!(wrong_exit_pin(Lang::En, 1), "Wrong PIN (1 try left).");
        assert_eq!(verdict(Lang::Sw, &again, "", &gate_name, LAGOS, true).2, "Tafadhali mwone mfanyakazi");
    }
}
