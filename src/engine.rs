//! The gate engine: a dedicated worker (`src/bin/engine.rs`, Trunk's `ingia-engine`) that owns a
//! gate device's data and every decision: pairing, the manifest in IndexedDB, offline
//! verification, the outbox and sync. The scanner and kiosk pages only show what it answers and
//! talk to it through `link` (`src/link.js`); so the page's own module holds no crypto, no
//! storage and no sync, and the interface is up before this is even downloaded.
//! Invariants: a verdict is answered only after its record is in IndexedDB (`Gate::check`); every
//! sentence the page shows is written here, once, for the scanner and the kiosk alike.
//!
//! Protocol (structured clone):
//! - engine -> page, once loaded: `{ ready: true }`
//! - page -> engine: `{ id, op, ...args }`; engine -> page: `{ id, ok: value }` or `{ id, err: text }`
//! - engine -> page, unasked: `{ push: "screen", ...screen }` while pairing and downloading, and
//!   `{ push: "status", ...status }` after each scan and each sync round
//!
//! | op            | args              | ok                                                    |
//! |---------------|-------------------|-------------------------------------------------------|
//! | `start`       | `path`, `hash`    | screen (below); pairs first at `/pair#CODE`           |
//! | `retry`       |                   | screen, after downloading the event again             |
//! | `status`      |                   | status: `counts`, `stats`, `conflicts`, `recent` (`[ok, text]`), `as_of`, `synced_at` (ms), `staff`, `problem` |
//! | `check`       | `text`, `pin`, `kiosk` | verdict: `tone`, `title`, `holder`, `ticket_type`, `detail`, `pending`, `badge` (kiosk, admitted QR: the text of its badge's code) |
//! | `search`      | `query`           | `[{ text, pin }]`                                     |
//! | `staff`       | `name`            | the name now on every record                          |
//! | `online`      |                   | the network is back: sync now, skipping the backoff   |
//! | `kiosk_pin`   |                   | whether the kiosk's exit PIN is set                   |
//! | `set_kiosk_pin` | `pin`           | null, or err with what is wrong                       |
//! | `exit`        | `pin`             | null (open) or why not                                |
//!
//! A screen is `{ screen: "not-paired" | "pairing" | "ready" | "no-manifest" | "wallet", step,
//! progress (0..1000 or absent), forget_link, event, gate, tickets, role }`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ingia_core::staff::{ExitGuard, ExitTry, StaffPin};
use ingia_core::{
    CheckIn, Movement, Presented, Refusal, ScanResult, TicketStatus, TicketToken, Tone, UnixMillis, Verdict,
};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::device::{self, clock, Paired};
use crate::gate::{headline, Checked, ConflictView, Found, Gate, GateStats, SyncCounts};
use crate::net::{self, field_str, object};
use crate::now_ms;
use crate::store::{Pairing, Store};

/// The IndexedDB database of this app.
pub const DB_NAME: &str = "ingia";
/// How often the engine pushes and pulls while the gate is open.
const SYNC_EVERY_MS: i32 = 2_000;
/// Scans the recent list shows.
const RECENT: usize = 30;

thread_local! {
    /// The open gate (one per worker).
    static GATE: RefCell<Option<Rc<Gate>>> = const { RefCell::new(None) };
    static SYNCING: Cell<bool> = const { Cell::new(false) };
    /// The last sync round's storage failure, shown until a round succeeds.
    static PROBLEM: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The kiosk's exit PIN tries (locks after repeated wrong ones).
    static EXIT: RefCell<ExitGuard> = RefCell::new(ExitGuard::default());
}

fn gate() -> Option<Rc<Gate>> {
    GATE.with(|g| g.borrow().clone())
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &JsValue) {
    let _ = scope().post_message(message);
}

/// Tells the page unasked: `kind` is `screen` or `status`.
fn push(kind: &str, message: &JsValue) {
    let _ = Reflect::set(message, &"push".into(), &kind.into());
    post(message);
}

/// Starts serving the page. Requests run concurrently, each answered when it completes;
/// `link.js` holds back what must wait (a restarted engine reopens the gate first).
pub fn serve() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| spawn_local(answer(ev.data())));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives as long as its page
    post(&object(&[("ready", JsValue::TRUE)]));
}

async fn answer(message: JsValue) {
    let id = Reflect::get(&message, &"id".into()).unwrap_or(JsValue::NULL);
    let arg = |key: &str| field_str(&message, key).unwrap_or_default();
    let flag = |key: &str| Reflect::get(&message, &key.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    let result = match arg("op").as_str() {
        "start" => start(&arg("path"), &arg("hash")).await,
        "retry" => retry_download().await,
        "status" => Ok(status().await),
        "check" => check(arg("text"), flag("pin"), flag("kiosk")).await,
        "search" => Ok(search(&arg("query"))),
        "staff" => set_staff(&arg("name")).await,
        "online" => {
            if let Some(g) = gate() {
                g.network_up(now_ms());
            }
            sync_soon();
            Ok(JsValue::NULL)
        }
        "kiosk_pin" => kiosk_pin().await.map(|p| p.is_some().into()),
        "set_kiosk_pin" => set_kiosk_pin(&arg("pin")).await,
        "exit" => exit(&arg("pin")).await,
        other => Err(format!("unknown request {other:?}")),
    };
    let reply = match result {
        Ok(value) => object(&[("id", id), ("ok", value)]),
        Err(text) => object(&[("id", id), ("err", text.into())]),
    };
    post(&reply);
}

// --- Pairing and opening the gate -------------------------------------------------------------

fn screen(kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let s = object(fields);
    let _ = Reflect::set(&s, &"screen".into(), &kind.into());
    s
}

fn pairing_step(step: &str, progress: Option<f64>) -> JsValue {
    let mut fields = vec![("step", JsValue::from_str(step))];
    if let Some(p) = progress {
        fields.push(("progress", ((p * 1000.0) as u32).into()));
    }
    screen("pairing", &fields)
}

async fn start(path: &str, hash: &str) -> Result<JsValue, String> {
    if path == "/pair" {
        let code = hash.trim_start_matches('#');
        if code.is_empty() {
            return Err("This pairing link is incomplete. Ask your supervisor for a new one.".into());
        }
        return run_pairing(code).await;
    }
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    let loaded = device::load(&store).await.map_err(|e| e.to_string())?;
    // An attendee's phone (tickets, no pairing) opens on its tickets, also from the home screen.
    let attendee = loaded.is_none() && !store.wallet_tickets().await.map_err(|e| e.to_string())?.is_empty();
    store.close();
    if attendee {
        return Ok(screen("wallet", &[]));
    }
    match loaded {
        None => Ok(screen("not-paired", &[])),
        Some(p) => open_gate(p).await,
    }
}

/// Pairs with the code from the link, then downloads the event.
async fn run_pairing(code: &str) -> Result<JsValue, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    push("screen", &pairing_step("Pairing this device…", None));
    // A supervisor pairing a row of phones on one network meets the server's pairing rate limit
    // (10 a minute per address): wait for the next slot instead of failing.
    let mut tries = 0;
    let pairing = loop {
        match device::pair(&store, code, "scanner").await {
            Err(device::DeviceError::Net(net::NetError::Server { status: 429, .. })) if tries < 10 => {
                tries += 1;
                push(
                    "screen",
                    &pairing_step("Many phones are pairing on this network: trying again in a few seconds…", None),
                );
                net::sleep(6_000).await;
            }
            other => break other.map_err(|e| e.to_string())?,
        }
    };
    // The code is used up: the page drops it from its address, so a reload does not try it again.
    download_and_open(&store, pairing, true).await
}

/// Downloads the event with progress pushed to the page (the first step also says whether the
/// pairing link is used up), then opens the gate.
async fn download_and_open(store: &Store, pairing: Pairing, forget_link: bool) -> Result<JsValue, String> {
    let first = pairing_step("Downloading the event…", Some(0.0));
    let _ = Reflect::set(&first, &"forget_link".into(), &forget_link.into());
    push("screen", &first);
    let (manifest, cursors) = device::download_manifest(store, &pairing, now_ms(), &|p| {
        push("screen", &pairing_step("Downloading the event…", p))
    })
    .await
    .map_err(|e| e.to_string())?;
    open_gate(Paired { pairing, manifest: Some(manifest), cursors }).await
}

/// Retries the event download for a paired device that has none yet.
async fn retry_download() -> Result<JsValue, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    let pairing = store.pairing().await.map_err(|e| e.to_string())?.ok_or("This device is not paired.")?;
    download_and_open(&store, pairing, false).await
}

/// Opens the gate for a paired device with its event and starts syncing.
async fn open_gate(p: Paired) -> Result<JsValue, String> {
    let shown = ready(&p);
    if let Some(manifest) = p.manifest {
        let store = Rc::new(Store::open(DB_NAME).await.map_err(|e| e.to_string())?);
        let gate = Gate::open(store, p.pairing, manifest, p.cursors).await.map_err(|e| e.to_string())?;
        let first = GATE.with(|g| g.borrow_mut().replace(Rc::new(gate)).is_none());
        if first {
            let tick = Closure::<dyn FnMut()>::new(sync_soon);
            let _ = scope()
                .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), SYNC_EVERY_MS);
            tick.forget();
        }
        sync_soon();
    }
    Ok(shown)
}

fn ready(p: &Paired) -> JsValue {
    match &p.manifest {
        Some(m) => screen(
            "ready",
            &[
                ("event", m.event.name.as_str().into()),
                (
                    "gate",
                    m.gate(p.pairing.gate)
                        .map(|g| g.name.clone())
                        .unwrap_or_else(|| format!("Gate {}", p.pairing.gate))
                        .into(),
                ),
                ("tickets", (m.ticket_count() as u32).into()),
                ("role", p.pairing.role.name().into()),
            ],
        ),
        None => screen("no-manifest", &[]),
    }
}

// --- Scans --------------------------------------------------------------------------------------

fn open() -> Result<Rc<Gate>, String> {
    gate().ok_or_else(|| "This device has no event yet.".to_string())
}

/// Decides a scan (a QR's text or a typed PIN), stores it, answers the verdict, then syncs.
async fn check(text: String, is_pin: bool, kiosk: bool) -> Result<JsValue, String> {
    let g = open()?;
    let presented = if is_pin { Presented::Pin(&text) } else { Presented::Qr(&text) };
    let staff = if kiosk { "kiosk".to_string() } else { g.staff() };
    let checked =
        g.check(presented, Movement::Entry, &staff, now_ms()).await.map_err(|e| format!("storage problem ({e})"))?;
    let reply = verdict(&checked, &g);
    if kiosk && !is_pin && checked.verdict.is_admit() {
        // The badge's code: the ticket's signed credential, for session scanners. The kiosk page
        // draws it (a gate phone's engine carries no QR encoder).
        if let Ok(t) = TicketToken::parse(&text) {
            let _ = Reflect::set(&reply, &"badge".into(), &t.signed.static_token().to_text().into());
        }
    }
    // The verdict goes out first; the lists, counts and the push follow.
    spawn_local(async move {
        publish().await;
        sync_soon();
    });
    Ok(reply)
}

/// What the full-screen verdict shows.
fn verdict(c: &Checked, gate: &Gate) -> JsValue {
    let (tone, title, detail) = match &c.verdict {
        Verdict::Admit { movement: Movement::Exit, .. } => (Tone::Green, "Exit recorded", String::new()),
        Verdict::Admit { reentry, .. } => {
            (Tone::Green, "Welcome", if *reentry { "Re-entry".into() } else { String::new() })
        }
        Verdict::Refuse { reason, .. } => {
            let detail = match reason {
                Refusal::AlreadyCheckedIn(stamp) => {
                    format!("at {}, {}, device {}", clock(stamp.at.0), gate.gate_name(stamp.gate), stamp.device)
                }
                _ => String::new(),
            };
            (reason.kind().tone(), headline(reason.kind()), detail)
        }
    };
    object(&[
        ("tone", tone_name(tone).into()),
        ("title", title.into()),
        ("holder", c.holder.as_deref().unwrap_or_default().into()),
        ("ticket_type", c.ticket_type.as_deref().unwrap_or_default().into()),
        ("detail", detail.into()),
        ("pending", (gate.counts().pending as u32).into()),
    ])
}

/// A tone's name: the verdict's CSS class and `data-tone`, and the sound the page plays.
fn tone_name(tone: Tone) -> &'static str {
    match tone {
        Tone::Green => "green",
        Tone::Amber => "amber",
        Tone::Red => "red",
    }
}

/// Offline search by holder name, with each ticket's standing.
fn search(query: &str) -> JsValue {
    let Some(g) = gate() else { return Array::new().into() };
    g.search(query, 8)
        .iter()
        .map(|f| object(&[("text", found_text(f, &g).into()), ("pin", f.pin.as_str().into())]))
        .collect::<Array>()
        .into()
}

fn found_text(f: &Found, gate: &Gate) -> String {
    let standing = match (f.status, f.first_entry) {
        (TicketStatus::Active, Some(s)) => format!("checked in at {}, {}", clock(s.at.0), gate.gate_name(s.gate)),
        (TicketStatus::Active, None) => "not checked in".to_string(),
        (TicketStatus::Refunded, _) => "refunded".to_string(),
        (TicketStatus::Revoked, _) => "cancelled".to_string(),
        (TicketStatus::Blocked, _) => "blocked".to_string(),
    };
    format!("{} · {} · {standing}", f.holder, f.ticket_type)
}

async fn set_staff(name: &str) -> Result<JsValue, String> {
    let g = open()?;
    g.set_staff(name).await?;
    publish().await;
    Ok(g.staff().into())
}

// --- Sync and the status the page shows ---------------------------------------------------------

/// One sync round now unless one is running; then the page hears the new status.
fn sync_soon() {
    let Some(g) = gate() else { return };
    if SYNCING.with(|s| s.replace(true)) {
        return;
    }
    spawn_local(async move {
        let problem = g.sync(&now_ms).await.err().map(|e| e.to_string());
        PROBLEM.with(|p| *p.borrow_mut() = problem);
        SYNCING.with(|s| s.set(false));
        publish().await;
    });
}

async fn publish() {
    push("status", &status().await);
}

/// The gate's status bar, lists and warnings, as the page shows them.
async fn status() -> JsValue {
    let Some(g) = gate() else { return object(&[]) };
    let recent = g.recent(RECENT).await.unwrap_or_default();
    let s = object(&[
        ("counts", counts_text(g.counts()).into()),
        ("stats", stats_text(g.stats()).into()),
        ("conflicts", g.conflicts().iter().map(|c| JsValue::from(conflict_text(c, &g))).collect::<Array>().into()),
        ("recent", recent.iter().map(|(r, holder)| recent_row(r, holder)).collect::<Array>().into()),
        ("as_of", clock(g.synced_at()).into()),
        ("synced_at", (g.synced_at() as f64).into()),
        ("staff", g.staff().into()),
    ]);
    if let Some(p) = PROBLEM.with(|p| p.borrow().clone()) {
        let _ = Reflect::set(&s, &"problem".into(), &p.into());
    }
    s
}

fn counts_text(c: SyncCounts) -> String {
    format!("{} pending · {} synced · {} conflicts", c.pending, c.synced, c.conflicts)
}

fn stats_text(s: GateStats) -> String {
    format!("{} / {} checked in · {} at this gate", s.checked_in, s.total, s.this_gate)
}

fn conflict_text(c: &ConflictView, gate: &Gate) -> String {
    format!(
        "{} (ticket {}): admitted first at {}, {}, device {}; this device at {}",
        c.holder,
        c.ticket,
        gate.gate_name(c.winner.gate),
        clock(c.winner.at.0),
        c.winner.device,
        clock(c.mine_at.0)
    )
}

/// `[admitted, "HH:MM · what · holder"]`.
fn recent_row(r: &CheckIn, holder: &str) -> JsValue {
    let what = match r.result {
        ScanResult::Admitted if r.movement == Movement::Exit => "Exit",
        ScanResult::Admitted => "Admitted",
        ScanResult::Refused(kind) => headline(kind),
    };
    let sep = if holder.is_empty() { "" } else { " · " };
    let text = format!("{} · {what}{sep}{holder}", clock(r.at.0));
    Array::of2(&matches!(r.result, ScanResult::Admitted).into(), &text.into()).into()
}

// --- Kiosk exit PIN -----------------------------------------------------------------------------

async fn kiosk_pin() -> Result<Option<StaffPin>, String> {
    open()?.store.kiosk_pin().await.map_err(|e| e.to_string())
}

async fn set_kiosk_pin(pin: &str) -> Result<JsValue, String> {
    let salt = random_salt();
    let p = StaffPin::new(pin, salt).ok_or("The exit PIN must be 4 to 8 digits.")?;
    open()?.store.set_kiosk_pin(&p).await.map_err(|e| format!("Could not store the PIN: {e}"))?;
    Ok(JsValue::NULL)
}

/// Null when the PIN opens the staff screen, else why not.
async fn exit(pin: &str) -> Result<JsValue, String> {
    // Fails closed: no stored PIN never opens the staff screen.
    let stored = kiosk_pin().await?.ok_or("No exit PIN is set on this kiosk.")?;
    Ok(match EXIT.with(|g| g.borrow_mut().attempt(&stored, pin, UnixMillis(now_ms()))) {
        ExitTry::Open => JsValue::NULL,
        ExitTry::Wrong { tries_left } => format!("Wrong PIN ({tries_left} tries left).").into(),
        ExitTry::Locked(secs) => format!("Too many wrong tries: wait {secs} s.").into(),
    })
}

/// 16 bytes from the browser's CSPRNG (`crypto.getRandomValues`, also in workers).
fn random_salt() -> [u8; 16] {
    let bytes = js_sys::Uint8Array::new_with_length(16);
    if let Ok(crypto) = Reflect::get(&js_sys::global(), &"crypto".into()) {
        if let Ok(f) = Reflect::get(&crypto, &"getRandomValues".into()) {
            let _ = f.unchecked_into::<js_sys::Function>().call1(&crypto, &bytes);
        }
    }
    let mut out = [0; 16];
    bytes.copy_to(&mut out);
    out
}
