//! Every sentence a gate screen shows, in one place: verdict headlines and details, the status
//! line's counts, conflicts, recent scans, search results, data age and its warning, pairing
//! steps, the camera's prompts and the kiosk's. The engine writes its answers with these, and
//! the scanner and kiosk pages take their fixed prompts from here, so a steward and a kiosk say
//! the same thing and a translation has one module to follow.
//! Invariant: pure; wall-clock times are shown through a [`Clock`] the caller supplies (the
//! device's time zone), never read here.

use alloc::format;
use alloc::string::String;

use crate::checkin::{Movement, ScanResult};
use crate::ids::{DeviceId, GateId, TicketId, UnixMillis};
use crate::manifest::TicketStatus;
use crate::presence::Stamp;
use crate::verdict::{Refusal, RefusalKind, Tone, Verdict};

/// The device's wall clock: minutes east of UTC at an instant (the browser's time zone, DST
/// included).
#[derive(Clone, Copy)]
pub struct Clock<'a>(pub &'a dyn Fn(UnixMillis) -> i32);

impl Clock<'_> {
    /// `HH:MM` on the device's wall clock.
    pub fn hhmm(&self, at: UnixMillis) -> String {
        let local = at.0 as i64 / 60_000 + i64::from((self.0)(at));
        let minutes = local.rem_euclid(24 * 60) as u32;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// The verdict's headline, in plain words for the steward.
pub fn headline(kind: RefusalKind) -> &'static str {
    match kind {
        RefusalKind::Malformed => "Not a ticket",
        RefusalKind::Forged => "Fake ticket",
        RefusalKind::WrongEvent => "Ticket for another event",
        RefusalKind::NotYetValid => "Not valid yet",
        RefusalKind::Expired => "Ticket expired",
        RefusalKind::Refunded => "Ticket refunded",
        RefusalKind::Revoked => "Ticket cancelled",
        RefusalKind::Blocked => "Ticket blocked: call a supervisor",
        RefusalKind::StaleCode => "Old code: ask them to open the ticket again",
        RefusalKind::CodeRequired => "Needs the live code from the phone",
        RefusalKind::WayNotAccepted => "Not by PIN for this ticket: scan its code",
        RefusalKind::AlreadyCheckedIn => "Already checked in",
        RefusalKind::WrongGate => "Wrong gate",
        RefusalKind::NotInside => "Not inside: cannot exit",
        RefusalKind::UnknownTicket => "Not on this device: check online",
        RefusalKind::UnknownPin => "No ticket has this PIN",
    }
}

/// What the full-screen verdict says: its tone, title and detail line. A kiosk greets the
/// attendee by name and sends every refusal to staff.
pub fn verdict(
    v: &Verdict,
    holder: &str,
    gate_name: &dyn Fn(GateId) -> String,
    clock: Clock<'_>,
    kiosk: bool,
) -> (Tone, String, String) {
    match v {
        Verdict::Admit { movement: Movement::Exit, .. } => (Tone::Green, "Exit recorded".into(), String::new()),
        Verdict::Admit { .. } if kiosk => (Tone::Green, format!("Welcome, {holder}!"), String::new()),
        Verdict::Admit { reentry, .. } => {
            (Tone::Green, "Welcome".into(), if *reentry { "Re-entry".into() } else { String::new() })
        }
        Verdict::Refuse { reason, .. } => {
            let detail = match reason {
                _ if kiosk => KIOSK_SEE_STAFF.into(),
                Refusal::AlreadyCheckedIn(stamp) => {
                    format!("at {}, {}, device {}", clock.hhmm(stamp.at), gate_name(stamp.gate), stamp.device)
                }
                _ => String::new(),
            };
            (reason.kind().tone(), headline(reason.kind()).into(), detail)
        }
    }
}

/// The sync counts of the status line.
pub fn counts(pending: usize, synced: u64, conflicts: usize) -> String {
    format!("{pending} pending · {synced} synced · {conflicts} conflicts")
}

/// The stats bar.
pub fn stats(checked_in: usize, total: usize, this_gate: usize) -> String {
    format!("{checked_in} / {total} checked in · {this_gate} at this gate")
}

/// A gate this device knows only by number.
pub fn unnamed_gate(gate: GateId) -> String {
    format!("Gate {gate}")
}

/// One line of the supervisor's conflicts list.
/// A conflict; `holder` where the device holds names (a sealed entry's name is not kept).
pub fn conflict(
    holder: Option<&str>,
    ticket: TicketId,
    winner_gate: &str,
    winner: Stamp,
    mine_at: UnixMillis,
    clock: Clock<'_>,
) -> String {
    let who = match holder {
        Some(name) => format!("{name} (ticket {ticket})"),
        None => unnamed_holder(ticket),
    };
    format!(
        "{who}: admitted first at {winner_gate}, {}, device {}; this device at {}",
        clock.hhmm(winner.at),
        winner.device,
        clock.hhmm(mine_at)
    )
}

/// One line of the recent scans: "HH:MM · what · holder".
/// A holder whose name this device does not hold (a sealed entry not scanned here this session).
pub fn unnamed_holder(ticket: TicketId) -> String {
    format!("Ticket {ticket}")
}

pub fn recent(at: UnixMillis, movement: Movement, result: ScanResult, holder: &str, clock: Clock<'_>) -> String {
    let what = match result {
        ScanResult::Admitted if movement == Movement::Exit => "Exit",
        ScanResult::Admitted => "Admitted",
        ScanResult::Refused(kind) => headline(kind),
    };
    let sep = if holder.is_empty() { "" } else { " · " };
    format!("{} · {what}{sep}{holder}", clock.hhmm(at))
}

/// An SMS or USSD arrival on the gate's list: when, and the name to match.
pub fn phone_arrival(at: UnixMillis, name: &str, clock: Clock<'_>) -> String {
    format!("{} · {name}", clock.hhmm(at))
}

/// The gate's list of SMS and USSD arrivals: its tab and its heading.
pub const PHONE_TAB: &str = "By SMS";
pub const PHONE_TITLE: &str = "Checked in by SMS: let them in when their code matches";

/// A ticket found by name, with its standing at the gates.
pub fn found(
    holder: &str,
    ticket_type: &str,
    status: TicketStatus,
    first_entry: Option<(Stamp, String)>,
    clock: Clock<'_>,
) -> String {
    let standing = match (status, first_entry) {
        (TicketStatus::Active, Some((s, gate))) => format!("checked in at {}, {gate}", clock.hhmm(s.at)),
        (TicketStatus::Active, None) => "not checked in".into(),
        (TicketStatus::Refunded, _) => "refunded".into(),
        (TicketStatus::Revoked, _) => "cancelled".into(),
        (TicketStatus::Blocked, _) => "blocked".into(),
    };
    format!("{holder} · {ticket_type} · {standing}")
}

/// "Data as of HH:MM": when the server last answered this device.
pub fn as_of(last_contact: Option<UnixMillis>, clock: Clock<'_>) -> String {
    match last_contact {
        Some(at) => format!("Data as of {}", clock.hhmm(at)),
        None => "No contact with the server yet".into(),
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
pub fn stale(minutes: u32) -> String {
    format!("No contact with the server for {minutes} min: refunds and revocations since then are unknown here.")
}

/// A verdict that could not be stored is not a verdict.
pub fn not_recorded(why: &str) -> String {
    format!("Scan not recorded: {why}")
}

pub fn storage_problem(why: &str) -> String {
    format!("storage problem ({why})")
}

pub fn tickets_on_device(n: u32) -> String {
    format!("{n} tickets on this device")
}

pub fn scanning_as() -> &'static str {
    "Scanning as"
}

pub fn wrong_exit_pin(tries_left: u32) -> String {
    format!("Wrong PIN ({tries_left} tries left).")
}

pub fn exit_locked(secs: u64) -> String {
    format!("Too many wrong tries: wait {secs} s.")
}

/// Which device an admission came from.
pub fn device(d: DeviceId) -> String {
    format!("device {d}")
}

pub const PAIRING: &str = "Pairing this device…";
/// The rule of [`crate::staff_name`], said to the steward.
pub const BAD_STAFF_NAME: &str = "A name is 1 to 40 visible letters, digits or spaces.";
pub const DAMAGED_REQUEST: &str = "The scanner sent a damaged request: reload the page.";
pub const NO_RANDOMNESS: &str = "This browser gives no secure random numbers: update Chrome.";
pub const PAIRING_BUSY: &str = "Many phones are pairing on this network: trying again in a few seconds…";
pub const DOWNLOADING: &str = "Downloading the event…";
pub const PAIRING_LINK_INCOMPLETE: &str = "This pairing link is incomplete. Ask your supervisor for a new one.";
pub const NO_EVENT_YET: &str = "This device has no event yet.";
pub const NOT_PAIRED: &str = "This device is not paired";
pub const SEARCH_ON_SUPERVISOR: &str =
    "Name search is on the supervisor's phone: this phone holds no attendee names (they open only when a ticket is shown).";
pub const EVENT_KEPT_LONG_ENOUGH: &str =
    "The event is over: this phone has deleted everything it held of it, as the organizer set.";
pub const LOCKED: &str = "Locked: a steward's PIN opens this phone";
pub const STAFF_PIN: &str = "Staff PIN (4 to 8 digits)";
pub const LOCK_AFTER: &str = "Lock the screen after this many idle minutes (0: off)";

/// The lock's state, as the gate's details show it.
pub fn lock_state(minutes: u8) -> String {
    match minutes {
        0 => "No screen lock: anyone holding this phone can scan.".into(),
        m => format!("Locks after {m} min without a touch; the staff PIN opens it."),
    }
}

pub const DEVICE_REVOKED: &str =
    "This phone was removed from the event by its organizer; everything it held of the event is deleted.";
pub const NOT_PAIRED_HELP: &str = "Ask your gate supervisor for the pairing link or QR code of your event and gate.";
pub const NOT_A_PAIRING_CODE: &str = "That code is not an Ingia pairing code.";
pub const NO_MANIFEST: &str = "Paired, but the event is not on this device yet";
pub const SOMETHING_WRONG: &str = "Something went wrong";
pub const EXIT_PIN_RULE: &str = "The staff PIN must be 4 to 8 digits.";
pub const NO_EXIT_PIN: &str = "No staff PIN is set on this device.";
pub const KIOSK_SEE_STAFF: &str = "Please see a member of staff";
pub const KIOSK_PROMPT: &str = "Hold your ticket's QR code up to the camera";
pub const KIOSK_NO_CAMERA: &str = "The camera is not available: please see a member of staff";
pub const KIOSK_SET_PIN: &str = "Staff: choose the PIN that will unlock this kiosk (4 to 8 digits)";
pub const KIOSK_EXIT_PIN: &str = "Staff PIN to leave kiosk mode";

/// What the camera is doing, as the steward is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraPrompt {
    Starting,
    Running,
    Off,
    Denied,
    Unavailable,
}

pub fn camera(p: CameraPrompt) -> &'static str {
    match p {
        CameraPrompt::Starting => "Starting the camera…",
        CameraPrompt::Running => "Hold the ticket's QR code inside the square",
        CameraPrompt::Off => "Camera off",
        CameraPrompt::Denied => "Camera blocked: allow it in Chrome's site settings, or type the PIN",
        CameraPrompt::Unavailable => "No camera found: type the PIN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::PinError;
    use crate::verdict::Malformed;

    const LAGOS: Clock<'static> = Clock(&|_| 60);

    fn gate_name(g: GateId) -> String {
        if g.0 == 1 {
            "Main gate".into()
        } else {
            unnamed_gate(g)
        }
    }

    #[test]
    fn clock_shows_the_wall_time_of_the_device() {
        // 2026-12-01 19:41:00 UTC is 20:41 in Lagos (UTC+1) and 15:41 in Halifax (UTC-4).
        let at = UnixMillis(1_796_154_060_000);
        assert_eq!(LAGOS.hhmm(at), "20:41");
        assert_eq!(Clock(&|_| -240).hhmm(at), "15:41");
        assert_eq!(Clock(&|_| 300).hhmm(at), "00:41", "past midnight");
    }

    #[test]
    fn verdicts_say_what_to_do() {
        let stamp = Stamp { at: UnixMillis(1_796_154_060_000), gate: GateId(1), device: DeviceId(3) };
        let again = Verdict::Refuse { ticket: Some(TicketId(7)), reason: Refusal::AlreadyCheckedIn(stamp) };
        assert_eq!(
            verdict(&again, "Ngozi", &gate_name, LAGOS, false),
            (Tone::Amber, "Already checked in".into(), "at 20:41, Main gate, device 3".into())
        );
        assert_eq!(
            verdict(&again, "Ngozi", &gate_name, LAGOS, true),
            (Tone::Amber, "Already checked in".into(), KIOSK_SEE_STAFF.into())
        );
        let welcome = Verdict::Admit { ticket: TicketId(7), movement: Movement::Entry, reentry: true };
        assert_eq!(
            verdict(&welcome, "Ngozi", &gate_name, LAGOS, false),
            (Tone::Green, "Welcome".into(), "Re-entry".into())
        );
        assert_eq!(verdict(&welcome, "Ngozi", &gate_name, LAGOS, true).1, "Welcome, Ngozi!");
        let exit = Verdict::Admit { ticket: TicketId(7), movement: Movement::Exit, reentry: false };
        assert_eq!(verdict(&exit, "Ngozi", &gate_name, LAGOS, false).1, "Exit recorded");
        let junk = Verdict::Refuse { ticket: None, reason: Refusal::Malformed(Malformed::Pin(PinError::NotDigits)) };
        assert_eq!(verdict(&junk, "", &gate_name, LAGOS, false), (Tone::Red, "Not a ticket".into(), String::new()));
    }

    #[test]
    fn every_refusal_has_its_own_headline() {
        let all: alloc::collections::BTreeSet<_> = RefusalKind::ALL.iter().map(|&k| headline(k)).collect();
        assert_eq!(all.len(), RefusalKind::ALL.len());
    }

    #[test]
    fn lists_and_status_lines() {
        let at = UnixMillis(1_796_154_060_000);
        assert_eq!(counts(2, 10, 1), "2 pending · 10 synced · 1 conflicts");
        assert_eq!(stats(11, 60, 9), "11 / 60 checked in · 9 at this gate");
        let winner = Stamp { at, gate: GateId(2), device: DeviceId(3) };
        assert_eq!(
            conflict(Some("Amara"), TicketId(14), "VIP gate", winner, UnixMillis(at.0 + 60_000), LAGOS),
            "Amara (ticket 14): admitted first at VIP gate, 20:41, device 3; this device at 20:42"
        );
        assert_eq!(recent(at, Movement::Entry, ScanResult::Admitted, "Ngozi", LAGOS), "20:41 · Admitted · Ngozi");
        assert_eq!(recent(at, Movement::Exit, ScanResult::Admitted, "Ngozi", LAGOS), "20:41 · Exit · Ngozi");
        assert_eq!(
            recent(at, Movement::Entry, ScanResult::Refused(RefusalKind::Forged), "", LAGOS),
            "20:41 · Fake ticket"
        );
        assert_eq!(
            found("Ngozi", "VIP", TicketStatus::Active, Some((winner, "Main gate".into())), LAGOS),
            "Ngozi · VIP · checked in at 20:41, Main gate"
        );
        assert_eq!(found("Ngozi", "VIP", TicketStatus::Active, None, LAGOS), "Ngozi · VIP · not checked in");
        assert_eq!(found("Ngozi", "VIP", TicketStatus::Revoked, None, LAGOS), "Ngozi · VIP · cancelled");
        assert_eq!(as_of(Some(at), LAGOS), "Data as of 20:41");
        assert_eq!(as_of(None, LAGOS), "No contact with the server yet");
    }

    #[test]
    fn data_goes_stale_after_ten_minutes_without_contact() {
        let contact = UnixMillis(1_796_154_060_000);
        assert_eq!(stale_minutes(UnixMillis(contact.0 + STALE_AFTER_MS), contact), None);
        assert_eq!(stale_minutes(UnixMillis(contact.0 + 11 * 60_000), contact), Some(11));
        assert_eq!(stale_minutes(UnixMillis(contact.0 - 5), contact), None, "a clock that went back");
        assert_eq!(stale_minutes(UnixMillis(contact.0), UnixMillis(0)), None, "never contacted: no age");
        assert!(stale(11).starts_with("No contact with the server for 11 min"));
    }

    #[test]
    fn the_staff_name_rule_is_said_with_its_limit() {
        assert!(BAD_STAFF_NAME.contains(&format!("1 to {}", crate::STAFF_NAME_MAX)));
    }
}
