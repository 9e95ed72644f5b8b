//! The six languages: English, French, Swahili, Portuguese, Arabic (right to left) and Amharic.
//! [`Words`] is every sentence a person reads on a gate screen, a kiosk or in an SMS/USSD
//! answer; each language is one `const` of it (`en.rs`, `fr.rs`, ...), so a sentence missing in
//! one language does not compile. Sentences with values are whole templates (`{time}`,
//! `{gate}`) filled by [`fill`], never glued from fragments (word order differs); a count is
//! said through the language's plural rule ([`Lang::plural`]). The tests check that every
//! template of every language has exactly English's placeholders and every plural the forms
//! its language needs. docs/glossary.md fixes the one word per thing the catalogues use.
//! Invariant: pure; dates and numbers are formatted by the caller (the browser's `Intl`).

use alloc::string::String;
use alloc::vec::Vec;

mod am;
mod ar;
mod console;
mod en;
mod fr;
mod pt;
mod sw;

/// One table of a language's catalogue (`en::WORDS`, `fr::LABELS`...).
macro_rules! table {
    ($lang:expr, $name:ident) => {
        match $lang {
            Lang::En => &en::$name,
            Lang::Fr => &fr::$name,
            Lang::Sw => &sw::$name,
            Lang::Pt => &pt::$name,
            Lang::Ar => &ar::$name,
            Lang::Am => &am::$name,
        }
    };
}

/// A language Ingia speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Sw,
    Pt,
    Ar,
    Am,
}

impl Lang {
    pub const ALL: [Lang; 6] = [Lang::En, Lang::Fr, Lang::Sw, Lang::Pt, Lang::Ar, Lang::Am];

    /// The BCP 47 tag (`lang` attribute, storage, the CSV column, the wire).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Sw => "sw",
            Lang::Pt => "pt",
            Lang::Ar => "ar",
            Lang::Am => "am",
        }
    }

    /// The language named in itself (the picker).
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Sw => "Kiswahili",
            Lang::Pt => "Português",
            Lang::Ar => "العربية",
            Lang::Am => "አማርኛ",
        }
    }

    /// Written right to left.
    pub fn rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The engine's sentences (five tables, so that each program carries only the ones it
    /// says: a page its labels, the engine its sentences, the server the texts too).
    pub fn words(self) -> &'static Words {
        table!(self, WORDS)
    }

    pub fn labels(self) -> &'static Labels {
        table!(self, LABELS)
    }

    pub fn kiosk(self) -> &'static KioskLabels {
        table!(self, KIOSK)
    }

    pub fn wallet(self) -> &'static WalletLabels {
        table!(self, WALLET)
    }

    pub fn texts(self) -> &'static Texts {
        table!(self, TEXTS)
    }

    pub fn console(self) -> &'static ConsoleLabels {
        use console::{am, ar, en, fr, pt, sw};
        table!(self, CONSOLE)
    }

    /// Every sentence of the six tables, with its key (the tests walk them).
    pub fn entries(self) -> Vec<(&'static str, Entry)> {
        let mut all = self.words().entries();
        all.extend(self.labels().entries());
        all.extend(self.kiosk().entries());
        all.extend(self.wallet().entries());
        all.extend(self.texts().entries());
        all.extend(self.console().entries());
        all
    }

    /// A language tag as browsers send it (`fr-CI`, `pt_BR`, `AR`): its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Lang::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// What a person typed in a spreadsheet's language column: a tag, or the language's name in
    /// English or in itself (`French`, `Français`, `francais`, `Kiswahili`).
    pub fn parse_loose(text: &str) -> Option<Lang> {
        let t = text.trim();
        if let Some(l) = Lang::from_tag(t) {
            return Some(l);
        }
        let folded: String = t.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect();
        let english = ["english", "french", "swahili", "portuguese", "arabic", "amharic"];
        let own = ["english", "français", "kiswahili", "português", "العربية", "አማርኛ"];
        let plain = ["anglais", "francais", "kiingereza", "portugues", "arabe", "amarigna"];
        Lang::ALL
            .into_iter()
            .enumerate()
            .find_map(|(i, l)| [english[i], own[i], plain[i]].iter().any(|n| folded == *n).then_some(l))
    }

    /// The first of the browser's preferred languages that Ingia speaks, else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred.into_iter().find_map(Lang::from_tag).unwrap_or_default()
    }

    /// How many plural forms a count takes in this language (CLDR's categories for integers).
    pub fn plural_forms(self) -> usize {
        match self {
            Lang::Ar => 6,
            _ => 2,
        }
    }

    /// The form of `forms` a count of `n` takes: CLDR's integer rules (English, Swahili: one
    /// for 1; French, Portuguese, Amharic: one for 0 and 1; Arabic: zero, one, two, few (3-10
    /// in the last two digits), many (11-99), other).
    pub fn plural(self, forms: &[&'static str], n: u64) -> &'static str {
        let i = match self {
            Lang::En | Lang::Sw => usize::from(n != 1),
            Lang::Fr | Lang::Pt | Lang::Am => usize::from(n > 1),
            Lang::Ar => match (n, n % 100) {
                (0, _) => 0,
                (1, _) => 1,
                (2, _) => 2,
                (_, 3..=10) => 3,
                (_, 11..=99) => 4,
                _ => 5,
            },
        };
        forms.get(i).or(forms.last()).copied().unwrap_or("")
    }
}

/// The language picker's name in every language at once: whoever cannot read the page's
/// language still finds it (each language's `Labels::language`, a test checks).
pub const LANGUAGE: &str = "Language · Langue · Lugha · Língua · اللغة · ቋንቋ";

/// Fills a template's `{name}` placeholders; a name not given stays as written (a test catches
/// it first).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) => match args.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            },
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// One sentence of the catalogue, as the tests walk it.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    Text(&'static str),
    Plural(&'static [&'static str]),
}

macro_rules! catalogue {
    ($(#[$sdoc:meta])* $name:ident { $( $(#[$doc:meta])* $key:ident : $kind:ident ),* $(,)? }) => {
        $(#[$sdoc])*
        pub struct $name {
            $( $(#[$doc])* pub $key: catalogue!(@ty $kind), )*
        }
        impl $name {
            /// Every sentence with its key, in declaration order.
            pub fn entries(&self) -> Vec<(&'static str, Entry)> {
                alloc::vec![$( (stringify!($key), catalogue!(@entry $kind self.$key)) ),*]
            }
        }
    };
    (@ty text) => { &'static str };
    (@ty plural) => { &'static [&'static str] };
    (@entry text $e:expr) => { Entry::Text($e) };
    (@entry plural $e:expr) => { Entry::Plural($e) };
}

catalogue! {
    /// The sentences the gate engine writes (verdicts, counts, lists, pairing, errors); the server's console and SMS replies borrow a few.
    Words {
        not_a_ticket: text,
        fake_ticket: text,
        other_event: text,
        not_valid_yet: text,
        expired: text,
        refunded: text,
        cancelled: text,
        blocked: text,
        old_code: text,
        needs_live_code: text,
        not_by_pin: text,
        already_checked_in: text,
        wrong_gate: text,
        not_inside: text,
        not_on_device: text,
        no_such_pin: text,
        exit_recorded: text,
        welcome: text,
        /// `{name}`: the kiosk greets the attendee.
        welcome_name: text,
        reentry: text,
        /// `{time}`, `{gate}`, `{device}`.
        already_at: text,
        /// `{n}` check-ins waiting to sync.
        pending_n: plural,
        synced_n: plural,
        conflicts_n: plural,
        /// `{checked}` of `{total}` checked in, `{here}` at this gate.
        stats: text,
        /// `{n}`: a gate this device knows only by number.
        gate_n: text,
        /// `{who}` (a holder), `{gate}`, `{time}`, `{device}`, `{mine}` (this device's time).
        conflict: text,
        /// `{name}`, `{ticket}`.
        holder_ticket: text,
        /// `{ticket}`: a holder whose name this device does not hold.
        ticket_n: text,
        exit: text,
        admitted: text,
        /// `{time}`, `{gate}`.
        found_in: text,
        found_not_in: text,
        found_refunded: text,
        found_cancelled: text,
        found_blocked: text,
        /// `{time}`.
        data_as_of: text,
        no_contact_yet: text,
        /// `{n}` minutes.
        stale: text,
        /// `{why}`.
        storage_problem: text,
        /// `{n}` tries left.
        wrong_exit_pin: plural,
        /// `{n}` seconds.
        exit_locked: text,
        /// `{n}`.
        device_n: text,
        pairing: text,
        bad_staff_name: text,
        damaged_request: text,
        no_randomness: text,
        pairing_busy: text,
        downloading: text,
        download_paused: text,
        pairing_link_incomplete: text,
        no_event_yet: text,
        event_kept_long_enough: text,
        device_revoked: text,
        no_connection: text,
        pairing_code_invalid: text,
        server_busy: text,
        server_refused: text,
        server_bad_answer: text,
        event_damaged: text,
        kiosk_see_staff: text,
        exit_pin_rule: text,
        no_exit_pin: text,
    }
}

catalogue! {
    /// What a gate page (scanner, kiosk staff) shows by itself: its buttons, tabs, headings, prompts, the lock.
    Labels {
        phone_tab: text,
        phone_title: text,
        /// `{why}`.
        not_recorded: text,
        tickets_on_device: plural,
        scanning_as: text,
        not_paired: text,
        not_paired_help: text,
        not_a_pairing_code: text,
        no_manifest: text,
        download_event: text,
        something_wrong: text,
        try_again: text,
        starting: text,
        opening: text,
        boot_failed: text,
        search_on_supervisor: text,
        unexpected_answer: text,
        engine_stopped: text,
        engine_not_loaded: text,
        locked: text,
        staff_pin: text,
        lock_after: text,
        lock_off: text,
        /// `{n}` minutes.
        lock_on: text,
        unlock: text,
        set: text,
        find_by_name: text,
        recent_scans: text,
        conflicts_title: text,
        this_gate: text,
        tab_search: text,
        tab_recent: text,
        tab_conflicts: text,
        tab_gate: text,
        close: text,
        pause_camera: text,
        start_camera: text,
        switch_camera: text,
        torch: text,
        ticket_pin: text,
        check: text,
        name: text,
        admit_id_checked: text,
        show: text,
        all: text,
        refused: text,
        /// The recent list's filter (the list says `admitted` itself).
        admitted_filter: text,
        scan_pairing_qr: text,
        your_name: text,
        save: text,
        language: text,
        camera_starting: text,
        camera_running: text,
        camera_off: text,
        camera_denied: text,
        camera_unavailable: text,
    }
}

catalogue! {
    /// What the kiosk's visitor and its staff read (the kiosk page only).
    KioskLabels {
        kiosk_starting: text,
        kiosk_back: text,
        kiosk_prompt: text,
        kiosk_no_camera: text,
        kiosk_set_pin: text,
        kiosk_exit_pin: text,
        kiosk_staff: text,
        print_badge: text,
        ok: text,
        cancel: text,
    }
}

catalogue! {
    /// What the wallet shows (the wallet page, and the ticket mail's PIN line).
    WalletLabels {
        pin_gate_or_sms: text,
        pin_gate: text,
        pin_sms: text,
        wallet_title: text,
        wallet_opening: text,
        wallet_none: text,
        wallet_qr: text,
        wallet_countdown: text,
        wallet_enlarged: text,
        wallet_failed: text,
        status_refunded: text,
        status_revoked: text,
        status_blocked: text,
    }
}

catalogue! {
    /// What an attendee receives: the ticket SMS, the replies, the USSD menu, the ticket mail
    /// (the server only).
    Texts {
        /// The check-in keyword this language's texts teach (the parser reads every language's).
        sms_keyword: text,
        /// `{event}`, `{pin}`: the ticket SMS's first sentence when the PIN opens something.
        sms_ticket_pin: text,
        /// `{event}`: the first sentence otherwise.
        sms_ticket: text,
        /// `{link}`.
        sms_link: text,
        sms_gate_show: text,
        sms_gate_show_or_pin: text,
        /// `{keyword}`, `{pin}`, `{code}` (the short code).
        sms_gate_show_or_text: text,
        /// `{keyword}`, `{pin}`, `{code}`.
        sms_gate_show_pin_or_text: text,
        /// `{keyword}`.
        sms_help: text,
        /// `{name}`, `{code}` (the gate code), `{gate}`.
        sms_welcome: text,
        /// `{time}`, `{gate}`.
        sms_already_at: text,
        /// `{time}`.
        sms_already: text,
        sms_cannot: text,
        /// `{when}`.
        sms_not_yet: text,
        sms_expired: text,
        sms_refunded: text,
        sms_not_valid: text,
        sms_not_by_sms: text,
        sms_too_many: text,
        sms_blocked: text,
        sms_received: text,
        sms_unknown_pin: text,
        sms_other_number: text,
        sms_on_its_way: text,
        sms_app_only: text,
        sms_no_ticket: text,
        /// The USSD menu (its lines).
        ussd_menu: text,
        ussd_ask_pin: text,
        ussd_invalid: text,
        mail_subject: text,
        mail_greeting: text,
        mail_this_is: text,
        mail_ticket_line: text,
        mail_open: text,
        mail_button: text,
        mail_offline: text,
        mail_no_phone: text,
        mail_print: text,
        mail_qr_alt: text,
        mail_keep_link_pin: text,
        mail_keep_link: text,
    }
}

catalogue! {
    /// What the organizer console shows (its pages, the live board, the report, the alert mail;
    /// the server only). The server's own sentences behind an error stay English, under the
    /// catalogue's sentence for their kind.
    ConsoleLabels {
        page_title: text,
        you_are_here: text,
        sign_out: text,
        back_to_console: text,
        cannot_issue: text,
        event: text,
        tab_overview: text,
        tab_live: text,
        tab_attendees: text,
        tab_devices: text,
        tab_report: text,
        tab_audit: text,
        role_owner: text,
        role_manager: text,
        role_supervisor: text,
        role_viewer: text,
        err_signed_out_title: text,
        err_signed_out: text,
        err_not_allowed_title: text,
        err_not_allowed: text,
        err_refused_title: text,
        err_refused: text,
        err_not_found_title: text,
        err_not_found: text,
        err_slow_down_title: text,
        err_slow_down: text,
        err_cannot_issue_title: text,
        err_bad_input_title: text,
        err_bad_input: text,
        err_went_wrong_title: text,
        err_went_wrong: text,
        no_team: text,
        new_event: text,
        audit_log: text,
        team: text,
        api_keys: text,
        no_events: text,
        sign_out_everywhere: text,
        your_events: text,
        upcoming: text,
        on_now: text,
        ended: text,
        f_name: text,
        f_venue: text,
        f_time_zone: text,
        f_starts: text,
        f_ends: text,
        f_doors: text,
        f_close: text,
        f_capacity_new: text,
        f_capacity: text,
        f_alert_email: text,
        f_lang: text,
        f_keep_hours: text,
        f_gates: text,
        f_gates_hint: text,
        ticket_types: text,
        f_ways: text,
        f_way_printed: text,
        f_way_pin: text,
        f_way_sms: text,
        f_reentry: text,
        f_type_gates: text,
        f_from: text,
        f_until: text,
        f_policy_hint: text,
        create_event: text,
        save_changes: text,
        default_gate: text,
        default_type: text,
        from_to: text,
        checked_in_of: text,
        checked_in: text,
        conflicts_doubted: text,
        pin_digits: text,
        gates: text,
        reentry: text,
        one_entry: text,
        type_gates: text,
        admits_span: text,
        edit_event: text,
        way_live: text,
        way_printed: text,
        way_pin: text,
        way_sms: text,
        every_event: text,
        show: text,
        by_actor: text,
        nothing_yet: text,
        sign_in: text,
        wrong_password: text,
        account_locked: text,
        not_https: text,
        email: text,
        password: text,
        new_here: text,
        join_title: text,
        invite_code: text,
        your_name: text,
        password_hint: text,
        join: text,
        invite_link_for: text,
        invite_once: text,
        invite_link: text,
        role_of: text,
        remove_member: text,
        save: text,
        invite_someone: text,
        role: text,
        make_invite: text,
        roles_hint: text,
        team_of: text,
        device_steward: text,
        device_supervisor: text,
        device_kiosk: text,
        never: text,
        just_now: text,
        minutes_ago: text,
        pair_phone: text,
        gate: text,
        valid_hours: text,
        show_pairing_qr: text,
        no_devices: text,
        no_name: text,
        waiting_to_pair: text,
        pairing_expired: text,
        paired: text,
        revoked: text,
        role_at_gate: text,
        staff_is: text,
        last_contact: text,
        records_synced: plural,
        not_yet_synced: text,
        app_build: text,
        pairing_valid_until: text,
        name_of_device: text,
        rename: text,
        new_gate_of_device: text,
        move_device: text,
        revoke_device_confirm: text,
        revoke: text,
        devices_of: text,
        pair_instructions: text,
        device_works_once: text,
        link_instead: text,
        pairing_link: text,
        done: text,
        key_named: text,
        key_shown_once: text,
        api_key: text,
        key_made: text,
        key_last_used: text,
        revoke_key_confirm: text,
        no_keys: text,
        new_key: text,
        ticket_shop: text,
        key_may: text,
        scope_write: text,
        scope_read: text,
        make_key: text,
        key_hint: text,
        no_ticket_yet: text,
        st_active: text,
        st_refunded: text,
        st_reissued: text,
        st_blocked: text,
        full_name: text,
        first_name: text,
        last_name: text,
        phone: text,
        ticket_type: text,
        shop_id: text,
        dl_queued: text,
        dl_sending: text,
        dl_sent: text,
        dl_failed: text,
        dl_mail: text,
        dl_sms: text,
        shop_id_optional: text,
        their_language: text,
        the_events: text,
        imported_n: plural,
        issued_n: plural,
        attendee_added: text,
        no_mail_server: text,
        issue_to_n: plural,
        sms_estimate: plural,
        import_csv: text,
        csv_file: text,
        upload_match: text,
        add_attendee: text,
        add: text,
        search: text,
        search_hint: text,
        status: text,
        any: text,
        checked_in_filter: text,
        yes: text,
        no: text,
        attendees_n: plural,
        ticket_n: text,
        next_n: text,
        attendees_of: text,
        refund: text,
        block: text,
        unblock: text,
        make_active: text,
        reissued_as: text,
        ticket: text,
        printable_ticket: text,
        reissue_confirm: text,
        reissue: text,
        send_mail_again: text,
        send_sms_again: text,
        details: text,
        details_hint: text,
        print: text,
        back: text,
        print_needs_live: text,
        print_pin_works: text,
        pin_is: text,
        paper_is_ticket: text,
        rows_match: plural,
        none_column: text,
        mapping_hint: text,
        preview: text,
        line_n: text,
        bad_rows_n: plural,
        and_more: text,
        check_import: text,
        import_good_skip_bad: text,
        import_attendees: text,
        no_checkins_yet: text,
        chart_label: plural,
        chart_caption: text,
        inside_now: text,
        no_shows_n: text,
        per_minute: text,
        admitted: text,
        exits: text,
        refused: text,
        rate_title: text,
        rate: text,
        silent: text,
        none_lower: text,
        waiting_n: text,
        alerts: text,
        none: text,
        refusals: text,
        reason: text,
        scans: text,
        conflicts: text,
        holder: text,
        refused_scan: text,
        winning_admission: text,
        latest_of: text,
        as_of: text,
        live_updated: text,
        live_lost: text,
        names_initials: text,
        names_initials_others: text,
        live_of: text,
        no_scans_yet: text,
        hour: text,
        printed_at: text,
        csv_hours: text,
        csv_scans: text,
        csv_attendance: text,
        csv_no_shows: text,
        per_gate_hour: text,
        no_shows_count: text,
        no_shows_after: text,
        report_of: text,
        alert_capacity_80: text,
        alert_capacity_90: text,
        alert_capacity_100: text,
        alert_forgeries: text,
        alert_over_ceiling: text,
        alert_not_counted: text,
        alert_mail_subject: text,
        alert_mail_line: text,
        alert_mail_link: text,
        dash_title: text,
        dash_open_link: text,
        dash_offline: text,
        dash_no_admissions: text,
        dash_annul_confirm: text,
        dash_working: text,
        dash_annulled: text,
        dash_annul_offline: text,
        dash_counts: text,
        dash_device: text,
        dash_since: text,
        dash_annul: text,
        dash_per_minute: text,
        alert_capacity_detail: text,
        alert_forgery_detail: text,
        alert_doubted_detail: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    #[test]
    fn every_language_says_every_sentence_with_the_same_placeholders() {
        let english = Lang::En.entries();
        for lang in Lang::ALL {
            let entries = lang.entries();
            assert_eq!(entries.len(), english.len());
            for ((key, entry), (_, en)) in entries.iter().zip(&english) {
                let want: BTreeSet<&str> = match en {
                    Entry::Text(t) => placeholders(t).into_iter().collect(),
                    Entry::Plural(forms) => placeholders(forms[1]).into_iter().collect(),
                };
                let forms: &[&str] = match entry {
                    Entry::Text(t) => core::slice::from_ref(t),
                    Entry::Plural(forms) => {
                        assert_eq!(forms.len(), lang.plural_forms(), "{lang:?} {key}: plural forms");
                        forms
                    }
                };
                for form in forms {
                    assert!(!form.trim().is_empty(), "{lang:?} {key} is empty");
                    let got: BTreeSet<&str> = placeholders(form).into_iter().collect();
                    // A plural's singular may spell the one out ("un conflit") but nothing else.
                    let allowed_missing: BTreeSet<&str> =
                        if matches!(entry, Entry::Plural(_)) { ["n"].into() } else { BTreeSet::new() };
                    assert!(got.is_subset(&want), "{lang:?} {key}: {form:?} has unknown placeholders");
                    let missing: BTreeSet<&str> = want.difference(&got).copied().collect();
                    assert!(missing.is_subset(&allowed_missing), "{lang:?} {key}: {form:?} misses {missing:?}");
                }
            }
        }
    }

    #[test]
    fn other_languages_are_translated_not_copied() {
        let english: BTreeSet<&str> = Lang::En
            .entries()
            .into_iter()
            .filter_map(|(_, e)| match e {
                Entry::Text(t) => Some(t),
                Entry::Plural(_) => None,
            })
            .collect();
        // Words that are the same in these languages: "OK", the keyword, the names of the ways
        // in, "Supervisor" in Portuguese, "Scans" in French.
        let same = ["OK", "CHECKIN", "SMS/USSD", "SMS: {state}", "PIN {pin}", "Supervisor", "Scans"];
        for lang in [Lang::Fr, Lang::Sw, Lang::Pt, Lang::Ar, Lang::Am] {
            for (key, e) in lang.entries() {
                if let Entry::Text(t) = e {
                    if english.contains(t) && !same.contains(&t) && placeholders(t).len() < 2 {
                        panic!("{lang:?} {key} is still English: {t:?}");
                    }
                }
            }
        }
    }

    /// public/boot.js shows the boot screen before any wasm runs: its copy of three sentences is
    /// the catalogue's, word for word.
    #[test]
    fn the_boot_screen_carries_the_catalogue_s_words() {
        let boot = include_str!("../../../../public/boot.js");
        let json = |s: &str| alloc::format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        for lang in [Lang::Fr, Lang::Sw, Lang::Pt, Lang::Ar, Lang::Am] {
            let w = lang.labels();
            let line = alloc::format!(
                "{}: [{}, {}, {}],",
                lang.tag(),
                json(w.starting),
                json(w.boot_failed),
                json(w.try_again)
            );
            assert!(boot.contains(&line), "public/boot.js lacks {line}");
        }
        assert!(boot.contains(&alloc::format!("'{}'", Lang::En.labels().boot_failed)));
    }

    #[test]
    fn the_picker_is_named_in_every_language() {
        let all: Vec<&str> = Lang::ALL.iter().map(|l| l.labels().language).collect();
        assert_eq!(LANGUAGE, all.join(" · "));
    }

    #[test]
    fn templates_fill_every_placeholder() {
        assert_eq!(fill("at {time}, {gate}", &[("time", "20:41"), ("gate", "Main")]), "at 20:41, Main");
        assert_eq!(fill("{a}{b}", &[("b", "2")]), "{a}2");
        assert_eq!(fill("{ unclosed", &[]), "{ unclosed");
        assert_eq!(placeholders("{n} of {total}"), ["n", "total"]);
    }

    #[test]
    fn plural_rules_follow_cldr() {
        let en = ["one", "other"];
        assert_eq!(Lang::En.plural(&en, 1), "one");
        assert_eq!(Lang::En.plural(&en, 0), "other");
        assert_eq!(Lang::Fr.plural(&en, 0), "one");
        assert_eq!(Lang::Fr.plural(&en, 2), "other");
        let ar = ["zero", "one", "two", "few", "many", "other"];
        let got: Vec<&str> = [0, 1, 2, 3, 10, 11, 99, 100, 101, 103, 111].map(|n| Lang::Ar.plural(&ar, n)).into();
        assert_eq!(got, ["zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"]);
    }

    #[test]
    fn the_browser_s_languages_choose_one_we_speak() {
        assert_eq!(Lang::negotiate(["de-DE", "fr-CI", "en"]), Lang::Fr);
        assert_eq!(Lang::negotiate(["pt_BR"]), Lang::Pt);
        assert_eq!(Lang::negotiate(["AR-eg"]), Lang::Ar);
        assert_eq!(Lang::negotiate(["zh"]), Lang::En);
        assert_eq!(Lang::negotiate([]), Lang::En);
        for l in Lang::ALL {
            assert_eq!(Lang::from_tag(l.tag()), Some(l));
            assert_eq!(Lang::parse_loose(l.name()), Some(l), "{l:?} named in itself");
        }
        assert_eq!(Lang::parse_loose("French"), Some(Lang::Fr));
        assert_eq!(Lang::parse_loose("francais"), Some(Lang::Fr));
        assert_eq!(Lang::parse_loose(" SW "), Some(Lang::Sw));
        assert_eq!(Lang::parse_loose("Klingon"), None);
        assert_eq!(Lang::parse_loose(""), None);
        assert!(Lang::Ar.rtl() && !Lang::Am.rtl());
    }
}
