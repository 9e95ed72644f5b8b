//! The gate's page <-> engine protocol: every request the scanner and kiosk pages send to the
//! gate engine worker, every answer and every unasked push, as Rust types compiled into both
//! wasm modules, with one compact binary encoding (the bytes travel in a `Uint8Array`). A field
//! renamed or retyped here breaks the build of both sides; an unknown tag or a message from
//! another build is a typed error, never a silently empty field.
//! Invariant: `decode(encode(m)) == m` for every message (native tests below); the words the
//! page shows are already written (by `words`) when they cross.

use alloc::string::String;
use alloc::vec::Vec;

use crate::i18n::Lang;
use crate::ids::Role;
use crate::verdict::Tone;
use crate::wire::{Sticky, WireError, Writer};

/// Both modules of one build speak the same version; a page and an engine from two builds
/// (never served together) fail loudly.
pub const VERSION: u8 = 1;

/// Page -> engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Open the gate (pairs first at `/pair` with the code in `hash`). Answer: [`Answer::Screen`].
    Start { path: String, hash: String },
    /// Download the event again (a paired device that has none yet). Answer: a screen.
    RetryDownload,
    /// Answer: [`Answer::Status`].
    Status,
    /// Decide a scanned QR's text or a typed PIN. Answer: [`Answer::Verdict`].
    Check { text: String, pin: bool, kiosk: bool },
    /// Offline search by name. Answer: [`Answer::Found`].
    Search { query: String },
    /// Who scans from now on. Answer: [`Answer::Staff`] with the name as stored.
    SetStaff { name: String },
    /// The network is back: sync now. Answer: [`Answer::Done`].
    Online,
    /// Answer: [`Answer::Flag`], whether the kiosk's exit PIN is set.
    KioskPinIsSet,
    /// Answer: [`Answer::Done`].
    SetKioskPin { pin: String },
    /// Answer: [`Answer::Done`] (the staff screen opens, or a locked gate screen unlocks) or
    /// [`Answer::Refused`] with why not.
    Exit { pin: String },
    /// Lock the gate screen after `minutes` idle, unlocked by the staff `pin` (the kiosk's exit
    /// PIN on a kiosk); `minutes` 0 turns the lock off. Answer: [`Answer::Done`].
    SetLock { pin: String, minutes: u8 },
}

/// Engine -> page, for one request. A failed request is `Err(sentence)` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Screen(Screen),
    Status(Status),
    Verdict(VerdictView),
    Found(Vec<Found>),
    Staff(String),
    Flag(bool),
    Done,
    Refused(String),
}

/// Engine -> page, unasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    /// A pairing or download step.
    Screen(Screen),
    /// After each scan and each sync round.
    Status(Status),
}

/// What a gate page shows before (and when) its gate is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    NotPaired,
    /// `progress` in 0..=1000 when the size is known; `forget_link`: the pairing code is used
    /// up, so the page drops it from its address.
    Pairing {
        step: String,
        progress: Option<u16>,
        forget_link: bool,
    },
    Ready {
        event: String,
        gate: String,
        tickets: u32,
        role: Role,
        /// The event's language (its attendees' default: a kiosk returns to it).
        lang: Lang,
    },
    NoManifest,
    /// An attendee's phone (tickets, no pairing): its tickets are at `/wallet`.
    Wallet,
    /// The event's data was deleted from this device (revoked, or kept past its time): why.
    Erased {
        why: String,
    },
}

/// The open gate's status line, lists and warnings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// "N pending · N synced · N conflicts".
    pub counts: String,
    /// "N / N checked in · N at this gate".
    pub stats: String,
    pub pending: u32,
    pub conflicts: Vec<String>,
    pub recent: Vec<RecentScan>,
    /// The people admitted by SMS or USSD for this gate lately, newest first (the live stream's
    /// list; memory only).
    pub phone: Vec<PhoneLine>,
    /// "Data as of HH:MM".
    pub as_of: String,
    /// The warning after 10 minutes without contact (the engine's clock, at its last round).
    pub stale: Option<String>,
    pub staff: String,
    /// The last sync round's storage failure.
    pub problem: Option<String>,
    /// Idle minutes before the gate screen locks (0: no staff PIN lock).
    pub lock_minutes: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentScan {
    pub admitted: bool,
    pub text: String,
}

/// One SMS or USSD arrival a steward matches with the reply on the attendee's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneLine {
    /// The gate code of the reply ("FMXY").
    pub code: String,
    /// "20:41 · Adaeze O.".
    pub text: String,
}

/// The full-screen verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictView {
    pub tone: Tone,
    pub title: String,
    pub holder: String,
    pub ticket_type: String,
    pub detail: String,
    /// Records not yet synced, this one included.
    pub pending: u32,
    /// A kiosk's admitted QR: the text of its badge's code (the ticket's signed credential).
    pub badge: Option<String>,
}

/// A ticket found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// "Holder · Type · standing".
    pub text: String,
    /// What a supervisor's "Admit (ID checked)" submits.
    pub pin: String,
}

// ----- encoding -----
//
// Reading is "sticky" (`wire::Sticky`): no read can fail half-way, so the page's decoder has no
// error branch per field (1.5 KB less brotli in the scanner shell than `?` on each).

trait Wire: Sized {
    fn put(&self, w: &mut Writer);
    fn get(r: &mut Sticky<'_>) -> Self;
}

impl Wire for String {
    fn put(&self, w: &mut Writer) {
        w.str(self);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        r.str()
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        w.varint(self.len() as u64);
        for item in self {
            item.put(w);
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        // Each item takes at least one byte: a hostile count allocates nothing.
        let n = r.count(1);
        (0..n).map(|_| T::get(r)).collect()
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer) {
        match self {
            None => {
                w.u8(0);
            }
            Some(v) => {
                w.u8(1);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        if r.flag() {
            Some(T::get(r))
        } else {
            None
        }
    }
}

impl Wire for Request {
    fn put(&self, w: &mut Writer) {
        match self {
            Request::Start { path, hash } => {
                w.u8(0).str(path).str(hash);
            }
            Request::RetryDownload => {
                w.u8(1);
            }
            Request::Status => {
                w.u8(2);
            }
            Request::Check { text, pin, kiosk } => {
                w.u8(3).str(text).u8(u8::from(*pin)).u8(u8::from(*kiosk));
            }
            Request::Search { query } => {
                w.u8(4).str(query);
            }
            Request::SetStaff { name } => {
                w.u8(5).str(name);
            }
            Request::Online => {
                w.u8(6);
            }
            Request::KioskPinIsSet => {
                w.u8(7);
            }
            Request::SetKioskPin { pin } => {
                w.u8(8).str(pin);
            }
            Request::Exit { pin } => {
                w.u8(9).str(pin);
            }
            Request::SetLock { pin, minutes } => {
                w.u8(10).str(pin).u8(*minutes);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        match r.u8() {
            0 => Request::Start { path: r.str(), hash: r.str() },
            1 => Request::RetryDownload,
            2 => Request::Status,
            3 => Request::Check { text: r.str(), pin: r.flag(), kiosk: r.flag() },
            4 => Request::Search { query: r.str() },
            5 => Request::SetStaff { name: r.str() },
            6 => Request::Online,
            7 => Request::KioskPinIsSet,
            8 => Request::SetKioskPin { pin: r.str() },
            9 => Request::Exit { pin: r.str() },
            10 => Request::SetLock { pin: r.str(), minutes: r.u8() },
            _ => {
                r.fail(WireError::BadValue("request"));
                Request::Status
            }
        }
    }
}

impl Wire for Screen {
    fn put(&self, w: &mut Writer) {
        match self {
            Screen::NotPaired => {
                w.u8(0);
            }
            Screen::Pairing { step, progress, forget_link } => {
                w.u8(1).str(step);
                match progress {
                    None => w.u8(0),
                    Some(p) => w.u8(1).varint(u64::from(*p)),
                };
                w.u8(u8::from(*forget_link));
            }
            Screen::Ready { event, gate, tickets, role, lang } => {
                w.u8(2).str(event).str(gate).varint(u64::from(*tickets)).u8(role.code()).str(lang.tag());
            }
            Screen::NoManifest => {
                w.u8(3);
            }
            Screen::Wallet => {
                w.u8(4);
            }
            Screen::Erased { why } => {
                w.u8(5).str(why);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        match r.u8() {
            0 => Screen::NotPaired,
            1 => Screen::Pairing {
                step: r.str(),
                progress: if r.flag() { Some(r.u32().min(1000) as u16) } else { None },
                forget_link: r.flag(),
            },
            2 => {
                let (event, gate, tickets, role) = (r.str(), r.str(), r.u32(), r.code(Role::from_code, "role"));
                Screen::Ready { event, gate, tickets, role, lang: Lang::from_tag(&r.str()).unwrap_or_default() }
            }
            3 => Screen::NoManifest,
            4 => Screen::Wallet,
            5 => Screen::Erased { why: r.str() },
            _ => {
                r.fail(WireError::BadValue("screen"));
                Screen::NotPaired
            }
        }
    }
}

impl Wire for RecentScan {
    fn put(&self, w: &mut Writer) {
        w.u8(u8::from(self.admitted)).str(&self.text);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        RecentScan { admitted: r.flag(), text: r.str() }
    }
}

impl Wire for PhoneLine {
    fn put(&self, w: &mut Writer) {
        w.str(&self.code).str(&self.text);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        PhoneLine { code: r.str(), text: r.str() }
    }
}

impl Wire for Status {
    fn put(&self, w: &mut Writer) {
        w.str(&self.counts).str(&self.stats).varint(u64::from(self.pending));
        self.conflicts.put(w);
        self.recent.put(w);
        self.phone.put(w);
        w.str(&self.as_of);
        self.stale.put(w);
        w.str(&self.staff);
        self.problem.put(w);
        w.u8(self.lock_minutes);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        Status {
            counts: r.str(),
            stats: r.str(),
            pending: r.u32(),
            conflicts: Vec::get(r),
            recent: Vec::get(r),
            phone: Vec::get(r),
            as_of: r.str(),
            stale: Option::get(r),
            staff: r.str(),
            problem: Option::get(r),
            lock_minutes: r.u8(),
        }
    }
}

impl Wire for VerdictView {
    fn put(&self, w: &mut Writer) {
        w.u8(self.tone.code()).str(&self.title).str(&self.holder).str(&self.ticket_type).str(&self.detail);
        w.varint(u64::from(self.pending));
        self.badge.put(w);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        VerdictView {
            tone: r.code(Tone::from_code, "tone"),
            title: r.str(),
            holder: r.str(),
            ticket_type: r.str(),
            detail: r.str(),
            pending: r.u32(),
            badge: Option::get(r),
        }
    }
}

impl Wire for Found {
    fn put(&self, w: &mut Writer) {
        w.str(&self.text).str(&self.pin);
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        Found { text: r.str(), pin: r.str() }
    }
}

impl Wire for Answer {
    fn put(&self, w: &mut Writer) {
        match self {
            Answer::Screen(s) => {
                w.u8(0);
                s.put(w);
            }
            Answer::Status(s) => {
                w.u8(1);
                s.put(w);
            }
            Answer::Verdict(v) => {
                w.u8(2);
                v.put(w);
            }
            Answer::Found(f) => {
                w.u8(3);
                f.put(w);
            }
            Answer::Staff(name) => {
                w.u8(4).str(name);
            }
            Answer::Flag(b) => {
                w.u8(5).u8(u8::from(*b));
            }
            Answer::Done => {
                w.u8(6);
            }
            Answer::Refused(why) => {
                w.u8(7).str(why);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        match r.u8() {
            0 => Answer::Screen(Screen::get(r)),
            1 => Answer::Status(Status::get(r)),
            2 => Answer::Verdict(VerdictView::get(r)),
            3 => Answer::Found(Vec::get(r)),
            4 => Answer::Staff(r.str()),
            5 => Answer::Flag(r.flag()),
            6 => Answer::Done,
            7 => Answer::Refused(r.str()),
            _ => {
                r.fail(WireError::BadValue("answer"));
                Answer::Done
            }
        }
    }
}

impl Wire for Push {
    fn put(&self, w: &mut Writer) {
        match self {
            Push::Screen(s) => {
                w.u8(0);
                s.put(w);
            }
            Push::Status(s) => {
                w.u8(1);
                s.put(w);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        match r.u8() {
            0 => Push::Screen(Screen::get(r)),
            1 => Push::Status(Status::get(r)),
            _ => {
                r.fail(WireError::BadValue("push"));
                Push::Status(Status::default())
            }
        }
    }
}

/// One answer: the request's result (`Err` is a sentence for the steward).
impl Wire for Result<Answer, String> {
    fn put(&self, w: &mut Writer) {
        match self {
            Ok(a) => {
                w.u8(0);
                a.put(w);
            }
            Err(why) => {
                w.u8(1).str(why);
            }
        }
    }
    fn get(r: &mut Sticky<'_>) -> Self {
        match r.u8() {
            0 => Ok(Answer::get(r)),
            1 => Err(r.str()),
            _ => {
                r.fail(WireError::BadValue("reply"));
                Ok(Answer::Done)
            }
        }
    }
}

fn encode<T: Wire>(message: &T) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(VERSION);
    message.put(&mut w);
    w.into_bytes()
}

fn decode<T: Wire>(bytes: &[u8]) -> Result<T, WireError> {
    let mut r = Sticky::new(bytes);
    if r.u8() != VERSION {
        r.fail(WireError::BadValue("protocol version"));
        return Err(r.finish(()).err().unwrap_or(WireError::BadValue("protocol version")));
    }
    let message = T::get(&mut r);
    r.finish(message)
}

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        decode(bytes)
    }
}

impl Push {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        decode(bytes)
    }
}

/// A request's result: what the engine answers.
pub type Reply = Result<Answer, String>;

pub fn encode_reply(reply: &Reply) -> Vec<u8> {
    encode(reply)
}

pub fn decode_reply(bytes: &[u8]) -> Result<Reply, WireError> {
    decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn status() -> Status {
        Status {
            counts: "2 pending · 10 synced · 1 conflict".into(),
            stats: "11 / 60 checked in · 9 at this gate".into(),
            pending: 2,
            conflicts: vec![
                "Amara Okafor (ticket 14): admitted first at VIP gate, 20:01, device 3; this device at 20:02".into(),
            ],
            recent: vec![
                RecentScan { admitted: true, text: "20:41 · Admitted · Ngozi Adeyemi".into() },
                RecentScan { admitted: false, text: "20:40 · Fake ticket".into() },
            ],
            phone: vec![PhoneLine { code: "FMXY".into(), text: "20:39 · Adaeze O.".into() }],
            as_of: "Data as of 20:41".into(),
            stale: Some(
                "No contact with the server for 11 min: refunds and revocations since then are unknown here.".into(),
            ),
            staff: "Zoë".into(),
            problem: Some("the browser's storage failed".into()),
            lock_minutes: 5,
        }
    }

    fn verdict(badge: Option<String>) -> VerdictView {
        VerdictView {
            tone: Tone::Amber,
            title: "Already checked in".into(),
            holder: "Ngozi Adeyemi".into(),
            ticket_type: "VIP".into(),
            detail: "at 20:01, Main gate, device 3".into(),
            pending: 1,
            badge,
        }
    }

    fn screens() -> Vec<Screen> {
        vec![
            Screen::NotPaired,
            Screen::Pairing { step: "Downloading the event…".into(), progress: Some(1000), forget_link: true },
            Screen::Pairing { step: "Pairing this device…".into(), progress: None, forget_link: false },
            Screen::Ready {
                event: "Afrobeats Live".into(),
                gate: "Main gate".into(),
                tickets: 5000,
                role: Role::Kiosk,
                lang: Lang::Am,
            },
            Screen::NoManifest,
            Screen::Wallet,
            Screen::Erased { why: "Removed from the event.".into() },
        ]
    }

    #[test]
    fn every_request_round_trips() {
        let all = [
            Request::Start { path: "/pair".into(), hash: "#ingp_abc".into() },
            Request::RetryDownload,
            Request::Status,
            Request::Check { text: "INGIA:ABC".into(), pin: false, kiosk: true },
            Request::Check { text: "123456".into(), pin: true, kiosk: false },
            Request::Search { query: "ngo".into() },
            Request::SetStaff { name: "Ngozi".into() },
            Request::Online,
            Request::KioskPinIsSet,
            Request::SetKioskPin { pin: "2468".into() },
            Request::Exit { pin: "1357".into() },
            Request::SetLock { pin: "2468".into(), minutes: 5 },
        ];
        for r in all {
            assert_eq!(Request::decode(&r.encode()), Ok(r.clone()), "{r:?}");
        }
    }

    #[test]
    fn every_answer_and_push_round_trips() {
        let mut answers: Vec<Reply> = screens().into_iter().map(|s| Ok(Answer::Screen(s))).collect();
        answers.extend([
            Ok(Answer::Status(status())),
            Ok(Answer::Status(Status::default())),
            Ok(Answer::Verdict(verdict(None))),
            Ok(Answer::Verdict(verdict(Some("INGIA:XYZ".into())))),
            Ok(Answer::Found(vec![Found { text: "Ngozi · VIP · not checked in".into(), pin: "004512".into() }])),
            Ok(Answer::Found(vec![])),
            Ok(Answer::Staff("Ngozi".into())),
            Ok(Answer::Flag(true)),
            Ok(Answer::Flag(false)),
            Ok(Answer::Done),
            Ok(Answer::Refused("Wrong PIN (2 tries left).".into())),
            Err("This device has no event yet.".into()),
        ]);
        for a in answers {
            assert_eq!(decode_reply(&encode_reply(&a)), Ok(a.clone()), "{a:?}");
        }
        let mut pushes: Vec<Push> = screens().into_iter().map(Push::Screen).collect();
        pushes.push(Push::Status(status()));
        for p in pushes {
            assert_eq!(Push::decode(&p.encode()), Ok(p.clone()), "{p:?}");
        }
    }

    #[test]
    fn damaged_or_foreign_messages_are_errors_not_empty_fields() {
        let bytes = Push::Status(status()).encode();
        for cut in 0..bytes.len() {
            assert!(Push::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut other_build = bytes.clone();
        other_build[0] = VERSION + 1;
        assert_eq!(Push::decode(&other_build), Err(WireError::BadValue("protocol version")));
        assert_eq!(Request::decode(&[VERSION, 200]), Err(WireError::BadValue("request")));
        assert!(decode_reply(&Request::Status.encode()).is_err(), "a request is not an answer");
        let mut longer = bytes;
        longer.push(0);
        assert_eq!(Push::decode(&longer), Err(WireError::TrailingBytes));
        assert_eq!(Request::decode(&[VERSION, 5, 100]).unwrap_err().to_string(), "length exceeds input");
    }
}
