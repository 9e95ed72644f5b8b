//! The gate engine: a dedicated worker (`src/bin/engine.rs`, Trunk's `ingia-engine`) that owns a
//! gate device's data and every decision: pairing, the manifest in IndexedDB, offline
//! verification, the outbox and sync. The scanner and kiosk pages only show what it answers and
//! talk to it through `page::link` (`src/page/link.js`); so the page's own module holds no
//! crypto, no storage and no sync, and the interface is up before this is even downloaded.
//!
//! Protocol: `ingia_core::protocol` (typed requests, answers and pushes, one binary encoding).
//! Framing (`link.js`): the page posts `{ id, msg }` (`msg`: the request's bytes) or, after a
//! restart, `{ id: 0, reopen: true }`; the engine answers `{ id, msg }` (the reply's bytes),
//! pushes `{ push }` (a push's bytes), and says `{ ready: true }` once loaded.
//!
//! Invariants: a verdict is answered only after its record is in IndexedDB (`Gate::check`);
//! every sentence comes from `ingia_core::words`; one timer drives sync, armed to what the
//! session's `poll_timeout()` says (no interval of its own).

mod device;
mod gate;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ingia_core::protocol::{self, Answer, Found, PhoneLine, Push, RecentScan, Request, Screen, Status, VerdictView};
use ingia_core::staff::{ExitGuard, ExitTry, StaffPin};
use ingia_core::{words, GateId, Lang, Movement, Presented, Role, TicketStatus, TicketToken, UnixMillis, Words};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::device::Paired;
use crate::engine::gate::{Checked, Gate};
use crate::io::clock::{self, now_ms, Timeout};
use crate::io::net;
use crate::io::store::{Pairing, Store, StoreError, DB_NAME};

/// Scans the recent list shows.
const RECENT: usize = 30;

thread_local! {
    /// The open gate (one per worker).
    static GATE: RefCell<Option<Rc<Gate>>> = const { RefCell::new(None) };
    static SYNCING: Cell<bool> = const { Cell::new(false) };
    /// The one timer: due when the sync session next needs the engine.
    static TIMER: RefCell<Option<Timeout>> = const { RefCell::new(None) };
    /// The last sync round's storage failure, shown until a round succeeds.
    static PROBLEM: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether the live stream's loop runs (one per worker), and a request to end its pause.
    static LIVE: Cell<bool> = const { Cell::new(false) };
    static LIVE_NOW: Cell<bool> = const { Cell::new(false) };
    /// The kiosk's exit PIN tries (locks after repeated wrong ones).
    static EXIT: RefCell<ExitGuard> = RefCell::new(ExitGuard::default());
    /// The language the page reads (each message says it: link.js), for every sentence written here.
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The page's language, as its last message said.
pub(crate) fn lang() -> Lang {
    LANG.with(Cell::get)
}

pub(crate) fn w() -> &'static Words {
    lang().words()
}

/// A failure said to the steward in the page's language: the server's stable error codes and
/// the network's failures; a storage failure keeps its technical detail.
pub(crate) fn said(e: &device::DeviceError) -> String {
    let w = w();
    match e {
        device::DeviceError::Net(net::NetError::Offline) => w.no_connection.into(),
        device::DeviceError::Net(net::NetError::BadAnswer) => w.server_bad_answer.into(),
        device::DeviceError::Net(net::NetError::Server { code, .. }) => match code.as_str() {
            "pairing_code_invalid" => w.pairing_code_invalid.into(),
            "device_revoked" => w.device_revoked.into(),
            "rate_limited" => w.server_busy.into(),
            _ => ingia_core::i18n::fill(w.server_refused, &[("code", code)]),
        },
        device::DeviceError::Store(s) => stored(s),
        device::DeviceError::BadManifest(_) => w.event_damaged.into(),
    }
}

/// A storage failure, said with its detail.
pub(crate) fn stored(e: &StoreError) -> String {
    words::storage_problem(lang(), &e.to_string())
}

/// The wall clock of the sentences: the page's language, the event's time zone.
fn local() -> ingia_core::words::Clock<'static> {
    let zone = gate().map(|g| g.time_zone()).unwrap_or_default();
    clock::set_format(lang().tag(), &zone);
    clock::local()
}

fn gate() -> Option<Rc<Gate>> {
    GATE.with(|g| g.borrow().clone())
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `{ key: bytes }` (plus `id` for an answer), handing the bytes over without a copy.
fn post(key: &str, bytes: &[u8], id: Option<&JsValue>) {
    let message = js_sys::Object::new();
    let array = Uint8Array::from(bytes);
    let _ = Reflect::set(&message, &key.into(), &array);
    if let Some(id) = id {
        let _ = Reflect::set(&message, &"id".into(), id);
    }
    let _ = scope().post_message_with_transfer(&message, &js_sys::Array::of1(&array.buffer()));
}

/// Tells the page unasked.
fn push(p: Push) {
    post("push", &p.encode(), None);
}

/// Starts serving the page. Requests run concurrently, each answered when it completes;
/// `link.js` holds back what must wait (a restarted engine reopens the gate first).
pub fn serve() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        let data = ev.data();
        let id = Reflect::get(&data, &"id".into()).unwrap_or(JsValue::NULL);
        if let Some(l) =
            Reflect::get(&data, &"lang".into()).ok().and_then(|t| t.as_string()).and_then(|t| Lang::from_tag(&t))
        {
            LANG.with(|c| c.set(l));
        }
        let request = if Reflect::get(&data, &"reopen".into()).is_ok_and(|v| v.is_truthy()) {
            // A restarted engine reopens the gate from IndexedDB (no pairing link any more).
            Ok(Request::Start { path: String::new(), hash: String::new() })
        } else {
            let bytes = Reflect::get(&data, &"msg".into()).map(|m| Uint8Array::new(&m).to_vec()).unwrap_or_default();
            Request::decode(&bytes).map_err(|_| w().damaged_request.to_string())
        };
        spawn_local(async move {
            let reply = match request {
                Ok(r) => answer(r).await,
                Err(why) => Err(why),
            };
            post("msg", &protocol::encode_reply(&reply), Some(&id));
        });
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives as long as its page
    let ready = js_sys::Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope().post_message(&ready);
}

async fn answer(request: Request) -> protocol::Reply {
    match request {
        Request::Start { path, hash } => start(&path, &hash).await.map(Answer::Screen),
        Request::RetryDownload => retry_download().await.map(Answer::Screen),
        Request::Status => Ok(Answer::Status(status().await)),
        Request::Check { text, pin, kiosk } => check(text, pin, kiosk).await.map(Answer::Verdict),
        Request::Search { query } => Ok(Answer::Found(search(&query))),
        Request::SetStaff { name } => set_staff(&name).await.map(Answer::Staff),
        Request::Online => {
            if let Some(g) = gate() {
                g.network_up(now_ms());
            }
            sync_soon();
            LIVE_NOW.with(|n| n.set(true));
            live_soon();
            Ok(Answer::Done)
        }
        Request::KioskPinIsSet => staff_pin().await.map(|p| Answer::Flag(p.is_some())),
        Request::SetKioskPin { pin } => set_staff_pin(&pin).await.map(|()| Answer::Done),
        Request::SetLock { pin, minutes } => set_lock(&pin, minutes).await.map(|()| Answer::Done),
        Request::Exit { pin } => exit(&pin).await,
    }
}

// --- Pairing and opening the gate -------------------------------------------------------------

fn pairing_step(step: &str, progress: Option<f64>, forget_link: bool) -> Screen {
    Screen::Pairing { step: step.into(), progress: progress.map(|p| (p * 1000.0) as u16), forget_link }
}

async fn start(path: &str, hash: &str) -> Result<Screen, String> {
    if path == "/pair" {
        let code = hash.trim_start_matches('#');
        if code.is_empty() {
            return Err(w().pairing_link_incomplete.into());
        }
        return run_pairing(code).await;
    }
    let store = Store::open(DB_NAME).await.map_err(|e| stored(&e))?;
    let loaded = device::load(&store).await.map_err(|e| said(&e))?;
    // An attendee's phone (tickets, no pairing) opens on its tickets, also from the home screen.
    let attendee = loaded.is_none() && !store.wallet_tickets().await.map_err(|e| stored(&e))?.is_empty();
    store.close();
    if attendee {
        return Ok(Screen::Wallet);
    }
    match loaded {
        None => Ok(Screen::NotPaired),
        // Paired, the event not (all) downloaded yet: the app was closed mid-way; go on from
        // what is kept.
        Some(p) if p.manifest.is_none() => {
            let store = Store::open(DB_NAME).await.map_err(|e| stored(&e))?;
            download_and_open(&store, p.pairing, false).await
        }
        Some(p) => open_gate(p).await,
    }
}

/// Pairs with the code from the link, then downloads the event.
async fn run_pairing(code: &str) -> Result<Screen, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| stored(&e))?;
    push(Push::Screen(pairing_step(w().pairing, None, false)));
    // A supervisor pairing a row of phones on one network meets the server's pairing rate limit
    // (10 a minute per address): wait for the next slot instead of failing.
    let mut tries = 0;
    let pairing = loop {
        match device::pair(&store, code, "scanner").await {
            Err(device::DeviceError::Net(net::NetError::Server { status: 429, retry_after_ms, .. })) if tries < 10 => {
                tries += 1;
                push(Push::Screen(pairing_step(w().pairing_busy, None, false)));
                clock::sleep(std::time::Duration::from_millis(retry_after_ms.unwrap_or(6_000).clamp(1_000, 60_000)))
                    .await;
            }
            other => break other.map_err(|e| said(&e))?,
        }
    };
    // The code is used up: the page drops it from its address, so a reload does not try it again.
    download_and_open(&store, pairing, true).await
}

/// Downloads the event with progress pushed to the page (the first step also says whether the
/// pairing link is used up), then opens the gate.
async fn download_and_open(store: &Store, pairing: Pairing, forget_link: bool) -> Result<Screen, String> {
    push(Push::Screen(pairing_step(w().downloading, Some(0.0), forget_link)));
    let (manifest, cursors) = device::download_manifest(store, &pairing, &now_ms, &|p, paused| {
        push(Push::Screen(pairing_step(if paused { w().download_paused } else { w().downloading }, Some(p), false)))
    })
    .await
    .map_err(|e| said(&e))?;
    open_gate(Paired { pairing, manifest: Some(manifest), cursors }).await
}

/// Retries the event download for a paired device that has none yet.
async fn retry_download() -> Result<Screen, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| stored(&e))?;
    let pairing = store.pairing().await.map_err(|e| stored(&e))?.ok_or(w().no_event_yet)?;
    download_and_open(&store, pairing, false).await
}

/// Opens the gate for a paired device with its event and starts syncing.
async fn open_gate(p: Paired) -> Result<Screen, String> {
    let Some(manifest) = p.manifest else { return Ok(Screen::NoManifest) };
    if manifest.event.expired(now_ms()) {
        let store = Store::open(DB_NAME).await.map_err(|e| stored(&e))?;
        store.erase().await.map_err(|e| stored(&e))?;
        return Ok(Screen::Erased { why: w().event_kept_long_enough.to_string() });
    }
    let shown = Screen::Ready {
        event: manifest.event.name.clone(),
        gate: manifest
            .gate(p.pairing.gate)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| words::unnamed_gate(lang(), p.pairing.gate)),
        tickets: manifest.ticket_count() as u32,
        role: p.pairing.role,
        lang: manifest.event.lang,
    };
    let store = Rc::new(Store::open(DB_NAME).await.map_err(|e| stored(&e))?);
    let gate = Gate::open(store, p.pairing, manifest, p.cursors).await?;
    GATE.with(|g| g.borrow_mut().replace(Rc::new(gate)));
    sync_soon();
    live_soon();
    Ok(shown)
}

// --- Scans --------------------------------------------------------------------------------------

fn open() -> Result<Rc<Gate>, String> {
    gate().ok_or_else(|| w().no_event_yet.to_string())
}

/// Decides a scan (a QR's text or a typed PIN), stores it, answers the verdict, then syncs.
async fn check(text: String, is_pin: bool, kiosk: bool) -> Result<VerdictView, String> {
    let g = open()?;
    let presented = if is_pin { Presented::Pin(&text) } else { Presented::Qr(&text) };
    let staff = if kiosk { Role::Kiosk.slug().to_string() } else { g.staff() };
    let checked = g.check(presented, Movement::Entry, &staff, now_ms()).await.map_err(|e| stored(&e))?;
    let mut reply = verdict(&checked, &g, kiosk);
    if kiosk && !is_pin && checked.verdict.is_admit() {
        // The badge's code: the ticket's signed credential, for session scanners. The kiosk page
        // draws it (a gate phone's engine carries no QR encoder).
        reply.badge = TicketToken::parse(&text).ok().map(|t| t.signed.static_token().to_text());
    }
    // The verdict goes out first; the lists, counts and the push follow.
    spawn_local(async move {
        publish().await;
        sync_soon();
    });
    Ok(reply)
}

/// What the full-screen verdict shows.
fn verdict(c: &Checked, gate: &Gate, kiosk: bool) -> VerdictView {
    let holder = c.holder.as_deref().unwrap_or_default();
    let (tone, title, detail) = words::verdict(lang(), &c.verdict, holder, &|g| gate.gate_name(g), local(), kiosk);
    VerdictView {
        tone,
        title,
        holder: holder.to_string(),
        ticket_type: c.ticket_type.clone().unwrap_or_default(),
        detail,
        pending: gate.counts().pending as u32,
        badge: None,
    }
}

/// Offline search by holder name, with each ticket's standing.
fn search(query: &str) -> Vec<Found> {
    let Some(g) = gate() else { return Vec::new() };
    g.search(query, 8)
        .into_iter()
        .map(|f| {
            let first = match f.status {
                TicketStatus::Active => f.first_entry.map(|s| (s, g.gate_name(s.gate))),
                _ => None,
            };
            Found { text: words::found(lang(), &f.holder, &f.ticket_type, f.status, first, local()), pin: f.pin }
        })
        .collect()
}

async fn set_staff(name: &str) -> Result<String, String> {
    let g = open()?;
    g.set_staff(name).await?;
    publish().await;
    Ok(g.staff())
}

// --- Sync and the status the page shows ---------------------------------------------------------

/// One sync round now unless one is running (that one re-arms the timer when it ends); then the
/// page hears the new status and the timer is armed to the session's next due time.
fn sync_soon() {
    let Some(g) = gate() else { return };
    if SYNCING.with(|s| s.replace(true)) {
        return;
    }
    spawn_local(async move {
        if g.expired() {
            SYNCING.with(|s| s.set(false));
            return erase(&g, w().event_kept_long_enough).await;
        }
        let problem = g.sync().await.err().map(|e| stored(&e));
        PROBLEM.with(|p| *p.borrow_mut() = problem);
        SYNCING.with(|s| s.set(false));
        if g.is_revoked() {
            return erase(&g, w().device_revoked).await;
        }
        if let Some(gate) = g.moved_to() {
            return moved(&g, gate).await;
        }
        arm(&g);
        publish().await;
    });
}

/// Holds the live stream while a gate is open. After it drops: a sync round at once (what it
/// would have brought, and a revocation, come by pull), then a new stream after a pause that
/// grows from 1 s to 30 s (jittered, so a venue's phones do not reconnect in step), cut short
/// when the browser says the network is back. A gate moved or erased ends its stream.
fn live_soon() {
    if LIVE.with(|l| l.replace(true)) {
        return;
    }
    spawn_local(async {
        let mut pause_ms: u64 = 1_000;
        while let Some(g) = gate() {
            let same = || gate().is_some_and(|now| Rc::ptr_eq(&now, &g));
            let opened = now_ms();
            let news = || {
                spawn_local(publish());
                same()
            };
            let held = g.hold_live(&news).await;
            if let Err(e) = &held {
                web_sys::console::warn_1(&format!("live stream: {e}").into());
            }
            if now_ms().saturating_sub(opened) > 60_000 {
                pause_ms = 1_000;
            }
            sync_soon();
            if g.is_revoked() {
                break;
            }
            if !same() {
                continue;
            }
            let jitter = u64::from(u16::from_le_bytes(clock::random::<2>().unwrap_or_default())) % (pause_ms / 2 + 1);
            let until = now_ms() + pause_ms / 2 + jitter;
            LIVE_NOW.with(|n| n.set(false));
            while now_ms() < until && !LIVE_NOW.with(|n| n.get()) && same() {
                clock::sleep(std::time::Duration::from_millis(250)).await;
            }
            pause_ms = (pause_ms * 2).min(30_000);
        }
        LIVE.with(|l| l.set(false));
    });
}

/// The organizer moved this device to another gate: the pairing says so from now on, and the
/// gate opens again there (what it recorded before stays in its outbox and ledger).
async fn moved(g: &Gate, gate: GateId) {
    let mut pairing = g.pairing.clone();
    pairing.gate = gate;
    if let Err(e) = g.store.set_pairing(&pairing).await {
        // The old gate goes on; the next round tries again.
        web_sys::console::error_1(&format!("storing the new gate: {e}").into());
        arm(g);
        return publish().await;
    }
    GATE.with(|slot| slot.borrow_mut().take());
    TIMER.with(|t| t.borrow_mut().take());
    let screen = match device::load(&g.store).await {
        Ok(Some(p)) => open_gate(p).await,
        Ok(None) => Ok(Screen::NotPaired),
        Err(e) => Err(said(&e)),
    };
    push(Push::Screen(screen.unwrap_or_else(|e| {
        web_sys::console::error_1(&format!("reopening the gate: {e}").into());
        Screen::NoManifest
    })));
}

/// Closes the gate and deletes everything this device holds of its event (pairing, manifest,
/// outbox, ledger, history), then says why.
async fn erase(g: &Gate, why: &str) {
    GATE.with(|slot| slot.borrow_mut().take());
    TIMER.with(|t| t.borrow_mut().take());
    let outcome = g.store.erase().await;
    if let Err(e) = &outcome {
        web_sys::console::error_1(&format!("erasing the event data: {e}").into());
    }
    push(Push::Screen(Screen::Erased { why: why.to_string() }));
}

/// Arms the engine's one timer to `SyncSession::poll_timeout()` (replacing the armed one).
fn arm(g: &Gate) {
    let timer = g.next_timeout().map(|due| {
        let wait = due.0.saturating_sub(now_ms()).min(u64::from(u32::MAX >> 1)) as u32;
        Timeout::new(wait, sync_soon)
    });
    TIMER.with(|t| *t.borrow_mut() = timer);
}

async fn publish() {
    push(Push::Status(status().await));
}

/// The gate's status line, lists and warnings, as the page shows them.
async fn status() -> Status {
    let Some(g) = gate() else { return Status::default() };
    let recent = g.recent(RECENT).await.unwrap_or_default();
    let counts = g.counts();
    let stats = g.stats();
    let clock = local();
    Status {
        counts: words::counts(lang(), counts.pending, counts.synced, counts.conflicts, clock),
        stats: words::stats(lang(), stats.checked_in, stats.total, stats.this_gate, clock),
        pending: counts.pending as u32,
        conflicts: g
            .conflicts()
            .iter()
            .map(|c| {
                words::conflict(
                    lang(),
                    c.holder.as_deref(),
                    c.ticket,
                    &g.gate_name(c.winner.gate),
                    c.winner,
                    c.mine_at,
                    clock,
                )
            })
            .collect(),
        recent: recent
            .iter()
            .map(|(r, holder)| RecentScan {
                admitted: r.is_admission(),
                text: words::recent(lang(), r.at, r.movement, r.result, holder, clock),
            })
            .collect(),
        phone: g
            .phone_arrivals(now_ms())
            .iter()
            .map(|a| PhoneLine { code: a.code.clone(), text: words::phone_arrival(a.at, &a.name, clock) })
            .collect(),
        as_of: words::as_of(lang(), g.last_contact(), clock),
        stale: g
            .last_contact()
            .and_then(|t| words::stale_minutes(UnixMillis(now_ms()), t))
            .map(|m| words::stale(lang(), m)),
        staff: g.staff(),
        problem: PROBLEM.with(|p| p.borrow().clone()),
        lock_minutes: g.lock_minutes.get(),
    }
}

// --- Kiosk exit PIN -----------------------------------------------------------------------------

async fn staff_pin() -> Result<Option<StaffPin>, String> {
    open()?.store.staff_pin().await.map_err(|e| stored(&e))
}

/// The gate screen's lock: the staff PIN that opens it and the idle minutes before it closes.
async fn set_lock(pin: &str, minutes: u8) -> Result<(), String> {
    let g = open()?;
    if minutes > 0 {
        set_staff_pin(pin).await?;
    }
    g.store.set_lock_minutes(minutes).await.map_err(|e| stored(&e))?;
    g.lock_minutes.set(minutes);
    publish().await;
    Ok(())
}

async fn set_staff_pin(pin: &str) -> Result<(), String> {
    let salt = clock::random::<16>().map_err(|_| w().no_randomness)?;
    let p = StaffPin::new(pin, salt).ok_or(w().exit_pin_rule)?;
    open()?.store.set_staff_pin(&p).await.map_err(|e| stored(&e))
}

/// `Done` when the PIN opens the staff screen, else why not.
async fn exit(pin: &str) -> protocol::Reply {
    // Fails closed: no stored PIN never opens the staff screen.
    let stored = staff_pin().await?.ok_or(w().no_exit_pin)?;
    Ok(match EXIT.with(|g| g.borrow_mut().attempt(&stored, pin, UnixMillis(now_ms()))) {
        ExitTry::Open => Answer::Done,
        ExitTry::Wrong { tries_left } => Answer::Refused(words::wrong_exit_pin(lang(), tries_left)),
        ExitTry::Locked(secs) => Answer::Refused(words::exit_locked(lang(), secs)),
    })
}
