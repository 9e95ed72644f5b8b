//! Feature phones: what an SMS or a USSD session says, and the rules around it. The server
//! decides an SMS check-in with the same verdict and first-wins as a scan (`verdict`,
//! `conflict`); this module owns only what is particular to the channel: reading the command
//! (any case, spaces or dashes, a keyword per language), the USSD menu, the abuse limits, the
//! short gate code a steward compares, whether a sender is the number on file, and how many
//! segments a text costs (GSM-7 or UCS-2).
//! Invariant: pure; every limit is a constant here, applied by the server to counts it reads.

use alloc::string::String;

use crate::i18n::{fill, Lang};
use crate::manifest::Ways;
use crate::pin::Pin;
use crate::proof::Proof;

/// Attempts one phone number may make in [`ATTEMPT_WINDOW_MS`].
pub const ATTEMPTS_PER_WINDOW: u32 = 3;
pub const ATTEMPT_WINDOW_MS: u64 = 10 * 60 * 1000;
/// Unknown PINs after which a number is blocked for the event (counted over [`BLOCK_WINDOW_MS`]).
pub const UNKNOWN_PINS_TO_BLOCK: u32 = 5;
pub const BLOCK_WINDOW_MS: u64 = 24 * 60 * 60 * 1000;
/// The longest inbound text read; the provider's limit for a concatenated SMS is far below.
pub const MAX_TEXT: usize = 1600;

/// Other spellings people type besides each language's own keyword (`Texts::sms_keyword`).
const MORE_KEYWORDS: [(&str, Lang); 2] = [("ENTREE", Lang::Fr), ("INGIZA", Lang::Sw)];

/// Every check-in keyword with the language it teaches (`None`: several languages teach it),
/// compared in upper case with spaces removed.
fn keywords() -> impl Iterator<Item = (&'static str, Option<Lang>)> {
    let shared = |k: &str| Lang::ALL.iter().filter(|l| l.texts().sms_keyword == k).count() > 1;
    Lang::ALL
        .into_iter()
        .map(move |l| (l.texts().sms_keyword, (!shared(l.texts().sms_keyword)).then_some(l)))
        .chain(MORE_KEYWORDS.into_iter().map(|(k, l)| (k, Some(l))))
}

fn squeeze(text: &str) -> String {
    text.trim().chars().flat_map(char::to_uppercase).filter(|c| !c.is_whitespace() && *c != '-').collect()
}

/// The language a text's keyword belongs to, when only one language uses it (`ENTRER`: French;
/// `CHECKIN` is taught in English, Arabic and Amharic): the reply's language when no ticket says.
pub fn keyword_lang(text: &str) -> Option<Lang> {
    let squeezed = squeeze(text);
    keywords().find(|(k, _)| squeezed.starts_with(k)).and_then(|(_, l)| l)
}

/// What a text asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Check in with the PIN as typed (spaces and dashes kept: `Pin::parse` skips them).
    CheckIn(String),
    /// Anything else: the reply explains the command.
    Unknown,
}

/// Reads an inbound text: `CHECKIN 482916`, `check in 482-916`, `Ingia 482 916`, or the PIN
/// alone.
pub fn parse_command(text: &str) -> Command {
    let squeezed = squeeze(text);
    let rest = keywords().find_map(|(k, _)| squeezed.strip_prefix(k)).unwrap_or(&squeezed);
    let pin = rest.trim_start_matches([':', '#', '*']);
    if !pin.is_empty() && pin.len() <= 12 && pin.chars().all(|c| c.is_ascii_digit()) {
        Command::CheckIn(String::from(pin))
    } else {
        Command::Unknown
    }
}

/// Where a USSD session is, from its `text` (the inputs so far joined by `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UssdStep {
    /// Just dialled: show the menu.
    Menu,
    /// Chose "check in": ask for the PIN.
    AskPin,
    /// Typed the PIN: decide.
    CheckIn(String),
    /// Chose "resend my ticket SMS".
    Resend,
    /// Anything else.
    Invalid,
}

pub fn ussd_step(text: &str) -> UssdStep {
    let parts: alloc::vec::Vec<&str> = if text.is_empty() { alloc::vec![] } else { text.split('*').collect() };
    match parts.as_slice() {
        [] => UssdStep::Menu,
        ["1"] => UssdStep::AskPin,
        ["1", pin] => match parse_command(pin) {
            Command::CheckIn(pin) => UssdStep::CheckIn(pin),
            Command::Unknown => UssdStep::Invalid,
        },
        ["2"] => UssdStep::Resend,
        _ => UssdStep::Invalid,
    }
}

/// Why a number may not try now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Too many attempts in the window: try again later.
    TooMany,
    /// Too many unknown PINs: this number is blocked for the event.
    Blocked,
}

/// Whether a number that made `recent` attempts in the last [`ATTEMPT_WINDOW_MS`] and sent
/// `unknown_pins` unknown PINs in [`BLOCK_WINDOW_MS`] may make one more.
pub fn may_try(recent: u32, unknown_pins: u32) -> Result<(), Limited> {
    if unknown_pins >= UNKNOWN_PINS_TO_BLOCK {
        Err(Limited::Blocked)
    } else if recent >= ATTEMPTS_PER_WINDOW {
        Err(Limited::TooMany)
    } else {
        Ok(())
    }
}

/// The digits of a phone number, without the national prefix `0` or the international `00`.
fn digits(number: &str) -> String {
    let d: String = number.chars().filter(char::is_ascii_digit).collect();
    let international = number.trim_start().starts_with('+') || d.starts_with("00");
    let d = d.strip_prefix("00").map(String::from).unwrap_or(d);
    if international {
        d
    } else {
        String::from(d.trim_start_matches('0'))
    }
}

/// Whether `sender` (as the provider gives it, `+254712345678`) is the number on file, typed
/// either internationally or nationally (`0712 345 678`: the national number must be the
/// sender's tail, after a country code of one to three digits).
pub fn same_number(on_file: &str, sender: &str) -> bool {
    let (a, b) = (digits(on_file), digits(sender));
    if a.len() < 7 || b.len() < 7 {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    short == long || (long.len() - short.len() <= 3 && long.ends_with(short.as_str()))
}

/// The holder's first name, as a reply greets them (at most 30 characters).
pub fn first_name(holder: &str) -> String {
    holder.split_whitespace().next().unwrap_or("").chars().take(30).collect()
}

/// The name a gate lists an SMS arrival under: the first name and the last name's initial
/// ("Adaeze O."), enough to match the person in front of the steward, no more.
pub fn short_name(holder: &str) -> String {
    let mut words = holder.split_whitespace();
    let mut name = first_name(holder);
    words.next();
    if let Some(initial) = words.last().and_then(|w| w.chars().next()) {
        name.push(' ');
        name.push(initial);
        name.push('.');
    }
    name
}

/// The short code the attendee shows a steward after an SMS check-in, and the gate lists next
/// to the holder: four characters of the admission's proof (bound to its record), Crockford's
/// alphabet (no I, L, O, U).
pub fn gate_code(proof: &Proof) -> Option<String> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = match proof {
        Proof::Pin { digest } | Proof::Phone { digest } | Proof::Qr { digest, .. } => digest,
        Proof::None => return None,
    };
    let bits = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    Some((0..4).map(|i| ALPHABET[((bits >> (27 - 5 * i)) & 31) as usize] as char).collect())
}

/// The ticket SMS in the attendee's language: the event, the PIN where it opens something, the
/// wallet link (when there is one), and the ways in as far as the ticket's type takes them;
/// each sentence whole.
pub fn ticket_text(
    lang: Lang,
    event: &str,
    pin: Pin,
    ways: Ways,
    link: Option<&str>,
    shortcode: Option<&str>,
) -> String {
    let w = lang.texts();
    let name: String = event.chars().take(40).collect();
    let pin = alloc::format!("{pin}");
    let mut text = if ways.uses_pin() {
        fill(w.sms_ticket_pin, &[("event", &name), ("pin", &pin)])
    } else {
        fill(w.sms_ticket, &[("event", &name)])
    };
    if let Some(link) = link {
        text.push(' ');
        text.push_str(&fill(w.sms_link, &[("link", link)]));
    }
    let code = shortcode.filter(|_| ways.phone);
    let args = [("keyword", w.sms_keyword), ("pin", pin.as_str()), ("code", code.unwrap_or(""))];
    let gate = match (ways.pin, code.is_some()) {
        (false, false) => w.sms_gate_show,
        (true, false) => w.sms_gate_show_or_pin,
        (false, true) => w.sms_gate_show_or_text,
        (true, true) => w.sms_gate_show_pin_or_text,
    };
    text.push(' ');
    text.push_str(&fill(gate, &args));
    text
}

/// How a text is encoded on the air, and what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// GSM 03.38 (7-bit) or, with any other character, UCS-2.
    pub gsm7: bool,
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: usize,
    pub count: usize,
}

/// GSM 03.38's basic set, and the extension characters that take two septets.
fn gsm7_septets(c: char) -> Option<usize> {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENDED: &str = "^{}\\[~]|€\u{c}";
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Segments of `text`: one GSM-7 segment holds 160 septets (153 when concatenated), one UCS-2
/// segment 70 units (67 when concatenated).
pub fn segments(text: &str) -> Segments {
    let septets: Option<usize> = text.chars().map(gsm7_septets).sum();
    let (gsm7, units, single, multi) = match septets {
        Some(n) => (true, n, 160, 153),
        None => (false, text.encode_utf16().count(), 70, 67),
    };
    let count = if units <= single { 1 } else { units.div_ceil(multi) };
    Segments { gsm7, units, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_in_their_tolerant_forms() {
        for text in [
            "CHECKIN 482916",
            "checkin 482916",
            " Check In 482-916 ",
            "CHECK-IN 482 916",
            "ingia 482916",
            "482916",
            "Entrer: 482916",
        ] {
            assert_eq!(parse_command(text), Command::CheckIn("482916".into()), "{text}");
        }
        for text in ["", "HELLO", "CHECKIN", "CHECKIN abc", "STOP", "CHECKIN 1234567890123"] {
            assert_eq!(parse_command(text), Command::Unknown, "{text}");
        }
    }

    #[test]
    fn a_keyword_says_its_language() {
        assert_eq!(keyword_lang("entrer 482916"), Some(Lang::Fr));
        assert_eq!(keyword_lang("Ingiza 482916"), Some(Lang::Sw));
        assert_eq!(keyword_lang("ENTRAR 482916"), Some(Lang::Pt));
        assert_eq!(keyword_lang("CHECKIN 482916"), None, "taught in three languages");
        assert_eq!(keyword_lang("482916"), None);
        for lang in Lang::ALL {
            let text = alloc::format!("{} 482916", lang.texts().sms_keyword.to_lowercase());
            assert_eq!(parse_command(&text), Command::CheckIn("482916".into()), "{lang:?}");
        }
    }

    #[test]
    fn the_ticket_text_offers_only_the_ways_its_type_takes() {
        let pin = Pin::new(482_916, 6).unwrap();
        let link = Some("https://t.example/wallet#w1");
        let text = |ways| ticket_text(Lang::En, "Lagos Live", pin, ways, link, Some("20880"));
        assert_eq!(
            text(Ways::ALL),
            "Lagos Live: your PIN is 482916. Ticket: https://t.example/wallet#w1 At the gate show the ticket, \
             give the PIN or text CHECKIN 482916 to 20880."
        );
        assert_eq!(
            text(Ways::LIVE_ONLY),
            "Lagos Live: your ticket. Ticket: https://t.example/wallet#w1 At the gate show the ticket."
        );
        let sms_only = text(Ways { printed: false, pin: false, phone: true });
        assert!(sms_only.contains("text CHECKIN 482916") && !sms_only.contains("give the PIN"), "{sms_only}");
        let gate_only = text(Ways { printed: true, pin: true, phone: false });
        assert!(gate_only.contains("give the PIN") && !gate_only.contains("CHECKIN"), "{gate_only}");
        let french = ticket_text(Lang::Fr, "Lagos Live", pin, Ways::ALL, None, Some("20880"));
        assert!(french.contains("envoyez ENTRER 482916 au 20880"), "{french}");
        assert!(!ticket_text(Lang::Sw, "X", pin, Ways::ALL, None, None).contains("{"), "no code: no SMS sentence");
    }

    /// Every text a feature phone receives, filled with long but real values, within its
    /// budget in every language: a reply in 2 segments, the ticket SMS (with a 40-letter event
    /// name and a wallet link) in 2 (GSM-7) or 4 (UCS-2). Printed per language with
    /// `--nocapture`.
    #[test]
    fn every_sms_fits_its_budget_in_every_language() {
        use crate::i18n::Entry;
        let pin = Pin::new(48_291_673, 8).unwrap();
        let link = "https://tickets.example.africa/wallet#Qx7Lm2Pz9Rt4Vb8Nc3Kd6Wf1";
        let event = "Afrobeats Live at Eko Convention Centre X";
        let values = [
            ("name", "Oluwaseyifunmi"),
            ("code", "7QK2"),
            ("gate", "VIP North entrance gate"),
            ("time", "20:41"),
            ("when", "Sat 5 Dec 2026 18:00"),
            ("keyword", "CHECKIN"),
            ("pin", "48291673"),
            ("event", event),
            ("link", link),
        ];
        std::println!("language | longest reply (segments, encoding) | ticket SMS (segments, encoding)");
        for lang in Lang::ALL {
            let mut longest = (Segments { gsm7: true, units: 0, count: 0 }, "");
            for (key, entry) in lang.texts().entries() {
                let Entry::Text(t) = entry else { continue };
                if !key.starts_with("sms_") || key.starts_with("sms_ticket") || key.starts_with("sms_gate") {
                    continue;
                }
                let s = segments(&fill(t, &values));
                assert!(s.count <= 2, "{lang:?} {key}: {} segments", s.count);
                if s.units > longest.0.units {
                    longest = (s, key);
                }
            }
            let ticket = ticket_text(lang, event, pin, Ways::ALL, Some(link), Some("20880"));
            let t = segments(&ticket);
            // GSM-7 languages in 2 segments; Arabic and Amharic (UCS-2, 67 units a part) in 4.
            let budget = if t.gsm7 { 2 } else { 4 };
            assert!(t.count <= budget, "{lang:?} ticket SMS: {} segments: {ticket}", t.count);
            let enc = |gsm7: bool| if gsm7 { "GSM-7" } else { "UCS-2" };
            std::println!(
                "{} | {} ({}, {}, {} units) | {} ({}, {} units)",
                lang.tag(),
                longest.0.count,
                longest.1,
                enc(longest.0.gsm7),
                longest.0.units,
                t.count,
                enc(t.gsm7),
                t.units
            );
            if matches!(lang, Lang::En | Lang::Fr | Lang::Sw | Lang::Pt) {
                assert!(t.gsm7, "{lang:?}: the ticket SMS leaves GSM-7: {ticket}");
            }
        }
    }

    #[test]
    fn ussd_steps_follow_the_menu() {
        assert_eq!(ussd_step(""), UssdStep::Menu);
        assert_eq!(ussd_step("1"), UssdStep::AskPin);
        assert_eq!(ussd_step("1*482916"), UssdStep::CheckIn("482916".into()));
        assert_eq!(ussd_step("2"), UssdStep::Resend);
        for t in ["3", "1*x", "1*2*3", "2*1"] {
            assert_eq!(ussd_step(t), UssdStep::Invalid, "{t}");
        }
    }

    #[test]
    fn limits_count_attempts_then_block() {
        assert_eq!(may_try(0, 0), Ok(()));
        assert_eq!(may_try(2, 4), Ok(()));
        assert_eq!(may_try(3, 0), Err(Limited::TooMany));
        assert_eq!(may_try(0, 5), Err(Limited::Blocked));
    }

    #[test]
    fn numbers_match_in_international_and_national_forms() {
        assert!(same_number("+254 712 345 678", "+254712345678"));
        assert!(same_number("0712345678", "+254712345678"));
        assert!(same_number("00254712345678", "+254712345678"));
        assert!(same_number("0803 123 4567", "+2348031234567"));
        assert!(!same_number("0712345679", "+254712345678"));
        assert!(!same_number("", "+254712345678"));
        assert!(!same_number("+255712345678", "+254712345678"));
        assert!(!same_number("345678", "+254712345678"));
    }

    #[test]
    fn segments_count_gsm7_and_ucs2() {
        assert_eq!(segments("hello"), Segments { gsm7: true, units: 5, count: 1 });
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        assert_eq!(segments(&"a".repeat(161)).count, 2);
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
        assert_eq!(segments("€").units, 2);
        let amharic = segments("እንኳን ደህና መጡ");
        assert!(!amharic.gsm7);
        assert_eq!(segments(&"ç".repeat(70)).count, 1);
        assert_eq!(segments(&"ç".repeat(71)).count, 2);
        assert_eq!(segments("Karibu! PIN 482916").count, 1);
    }

    #[test]
    fn the_gate_code_is_four_clear_characters_of_the_proof() {
        let a = gate_code(&Proof::Pin { digest: [0; 16] }).unwrap();
        assert_eq!(a, "0000");
        let b = gate_code(&Proof::Pin { digest: [0xff; 16] }).unwrap();
        assert_eq!(b, "ZZZZ");
        assert_eq!(gate_code(&Proof::None), None);
        let mut d = [0u8; 16];
        d[0] = 0x08;
        assert_ne!(gate_code(&Proof::Pin { digest: d }).unwrap(), a);
    }

    #[test]
    fn a_gate_lists_the_first_name_and_an_initial() {
        assert_eq!(short_name("Adaeze Okafor"), "Adaeze O.");
        assert_eq!(short_name("  Jean   Pierre  Mbeki "), "Jean M.");
        assert_eq!(short_name("Zawadi"), "Zawadi");
        assert_eq!(short_name("Ёлка Ünal"), "Ёлка Ü.");
        assert_eq!(short_name(""), "");
        assert_eq!(first_name("Adaeze Okafor"), "Adaeze");
        assert_eq!(first_name(&"x".repeat(40)).len(), 30);
    }
}
