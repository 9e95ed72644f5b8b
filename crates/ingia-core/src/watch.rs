//! What the organizer is warned of during an event, and what each viewer of the live view may
//! see. The server counts (inside now, forged refusals at a gate, a device's last contact);
//! these rules decide, so the dashboard, the alerts and the reports agree.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::access::{Need, OrgRole};
use crate::ids::{GateId, UnixMillis};

/// Capacity alerts: at these percentages of the venue's capacity (people inside now).
pub const CAPACITY_STEPS: [u8; 3] = [80, 90, 100];

/// The highest capacity step `inside` has reached, if any (a capacity of 0 has none).
pub fn capacity_step(inside: u64, capacity: u64) -> Option<u8> {
    if capacity == 0 {
        return None;
    }
    CAPACITY_STEPS.into_iter().rev().find(|step| inside * 100 >= capacity * u64::from(*step))
}

/// The key that makes a capacity alert happen once per event.
pub fn capacity_once(step: u8) -> String {
    format!("capacity_{step}")
}

/// A device that has not been heard from for this long is flagged on the dashboard.
pub const SILENT_AFTER_MS: u64 = 2 * 60_000;

/// Whether a device last heard from at `last_contact` (never: `None`) is silent at `now`.
pub fn silent(last_contact: Option<UnixMillis>, now: UnixMillis) -> bool {
    last_contact.is_none_or(|at| now.0.saturating_sub(at.0) > SILENT_AFTER_MS)
}

/// A gate's rate is its admissions over this window, per minute.
pub const RATE_WINDOW_MS: u64 = 5 * 60_000;

/// Admissions per minute, from the count over [`RATE_WINDOW_MS`], to one decimal.
pub fn per_minute(admitted_in_window: u64) -> f32 {
    let per = admitted_in_window as f32 * 60_000.0 / RATE_WINDOW_MS as f32;
    (per * 10.0).round() / 10.0
}

/// Forged codes at one gate within [`FORGERY_WINDOW_MS`] (by scan time) that make an alert:
/// one forgery is a mistake or a photocopy; several in minutes is someone trying.
pub const FORGERY_SPIKE: u64 = 5;
pub const FORGERY_WINDOW_MS: u64 = 5 * 60_000;

pub fn forgery_spike(forged_in_window: u64) -> bool {
    forged_in_window >= FORGERY_SPIKE
}

/// The key that makes a gate's forgery alert happen once per window.
pub fn forgery_once(gate: GateId, at: UnixMillis) -> String {
    format!("forgery:{}:{}", gate.0, at.0 / FORGERY_WINDOW_MS)
}

/// Tickets not checked in this long after the event's start are no-shows.
pub const NO_SHOW_AFTER_MS: u64 = 30 * 60_000;

/// Whether the no-show list means anything yet (before, everyone is merely not here yet).
pub fn no_shows_due(starts_at_secs: u32, now: UnixMillis) -> bool {
    now.0 >= u64::from(starts_at_secs) * 1000 + NO_SHOW_AFTER_MS
}

/// Whether a member sees attendees' full names in the live view and its answers (managers and
/// owners); everyone else, and every kiosk screen, sees initials.
pub fn sees_names(role: OrgRole) -> bool {
    role.can(Need::Manage)
}

/// "Adaeze N. Okafor" -> "A. N. O.": the first letter of each of the first four words.
pub fn initials(name: &str) -> String {
    let letters: Vec<String> = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(4)
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    letters.join(" ")
}

/// An attendee's name as `role` may see it.
pub fn shown_name(role: OrgRole, name: &str) -> String {
    if sees_names(role) {
        String::from(name)
    } else {
        initials(name)
    }
}

/// An alert's kind as its headline (the dashboard, the alert mail).
pub fn alert_title(lang: crate::Lang, kind: &str) -> &'static str {
    let t = lang.console();
    match kind {
        "capacity_80" => t.alert_capacity_80,
        "capacity_90" => t.alert_capacity_90,
        "capacity_100" => t.alert_capacity_100,
        "forgery_spike" => t.alert_forgeries,
        "over_ceiling" => t.alert_over_ceiling,
        _ => t.alert_not_counted,
    }
}

/// An alert's facts as stored with it (`inside=4;capacity=5`): numbers and slugs only, so that
/// any language can say it later ([`alert_detail`]).
pub fn alert_facts(facts: &[(&str, &str)]) -> String {
    let clean =
        |v: &str| v.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '?')).collect::<String>();
    facts.iter().map(|(k, v)| format!("{k}={}", clean(v))).collect::<Vec<_>>().join(";")
}

/// An alert's sentence in `lang`, from its kind and facts; `None` for one stored without facts
/// (by an older version: its stored English detail is all there is).
pub fn alert_detail(lang: crate::Lang, kind: &str, facts: &str) -> Option<String> {
    let pairs: Vec<(&str, &str)> = facts.split(';').filter_map(|kv| kv.split_once('=')).collect();
    if pairs.is_empty() {
        return None;
    }
    let t = lang.console();
    let template = match kind {
        k if k.starts_with("capacity_") => t.alert_capacity_detail,
        "forgery_spike" => t.alert_forgery_detail,
        _ => t.alert_doubted_detail,
    };
    Some(crate::i18n::fill(template, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_is_said_from_its_facts_in_each_language() {
        let facts = alert_facts(&[("inside", "4"), ("capacity", "5")]);
        assert_eq!(facts, "inside=4;capacity=5");
        assert_eq!(alert_detail(crate::Lang::En, "capacity_80", &facts).unwrap(), "4 inside of 5");
        let fr = alert_detail(crate::Lang::Fr, "capacity_80", &facts).unwrap();
        assert!(fr.contains('4') && fr.contains('5') && !fr.contains("inside"), "{fr}");
        let spike = alert_facts(&[("n", "5"), ("gate", "2"), ("minutes", "10")]);
        assert_eq!(
            alert_detail(crate::Lang::En, "forgery_spike", &spike).unwrap(),
            "5 forged tickets at gate 2 within 10 minutes"
        );
        // A fact cannot smuggle a separator (or markup) into the stored form.
        assert_eq!(alert_facts(&[("why", "a;b=c<d>")]), "why=abcd");
        assert_eq!(alert_detail(crate::Lang::Ar, "doubted", ""), None);
    }

    #[test]
    fn capacity_steps_are_reached_at_their_percentage() {
        assert_eq!(capacity_step(0, 100), None);
        assert_eq!(capacity_step(79, 100), None);
        assert_eq!(capacity_step(80, 100), Some(80));
        assert_eq!(capacity_step(89, 100), Some(80));
        assert_eq!(capacity_step(90, 100), Some(90));
        assert_eq!(capacity_step(100, 100), Some(100));
        assert_eq!(capacity_step(130, 100), Some(100));
        // 4 of 5 is 80%; 3 of 4 is not.
        assert_eq!(capacity_step(4, 5), Some(80));
        assert_eq!(capacity_step(3, 4), None);
        assert_eq!(capacity_step(5, 0), None);
        assert_eq!(capacity_once(90), "capacity_90");
    }

    #[test]
    fn a_device_is_silent_after_two_minutes_or_never_heard() {
        let now = UnixMillis(10_000_000);
        assert!(!silent(Some(UnixMillis(now.0 - 120_000)), now));
        assert!(silent(Some(UnixMillis(now.0 - 120_001)), now));
        assert!(silent(None, now));
        // A clock behind the device's contact is not silence.
        assert!(!silent(Some(UnixMillis(now.0 + 5_000)), now));
    }

    #[test]
    fn rates_spikes_and_no_shows() {
        assert_eq!(per_minute(0), 0.0);
        assert_eq!(per_minute(5), 1.0);
        assert_eq!(per_minute(7), 1.4);
        assert!(!forgery_spike(4));
        assert!(forgery_spike(5));
        let at = UnixMillis(3 * FORGERY_WINDOW_MS + 1);
        assert_eq!(forgery_once(GateId(2), at), "forgery:2:3");
        assert_eq!(forgery_once(GateId(2), UnixMillis(4 * FORGERY_WINDOW_MS)), "forgery:2:4");
        assert!(!no_shows_due(1000, UnixMillis(1_000_000 + NO_SHOW_AFTER_MS - 1)));
        assert!(no_shows_due(1000, UnixMillis(1_000_000 + NO_SHOW_AFTER_MS)));
    }

    #[test]
    fn only_managers_and_owners_see_full_names() {
        assert_eq!(initials("Adaeze N. Okafor"), "A. N. O.");
        assert_eq!(initials("  émile  zola "), "É. Z.");
        assert_eq!(initials("(Kofi) Mensah"), "K. M.");
        assert_eq!(initials("A B C D E"), "A. B. C. D.");
        assert_eq!(initials(""), "");
        for &role in OrgRole::ALL {
            let shown = shown_name(role, "Adaeze Okafor");
            let full = matches!(role, OrgRole::Manager | OrgRole::Owner);
            assert_eq!(shown == "Adaeze Okafor", full, "{role:?}");
            if !full {
                assert_eq!(shown, "A. O.");
            }
        }
    }
}
