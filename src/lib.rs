//! Ingia's PWA (Leptos, client-side rendered): three pages, each its own wasm module built from
//! this library (`scanner_app`, `wallet_app`, `kiosk_app`). Decisions come from `ingia-core`;
//! storage is `store`, the network is `net`, the paired device's data flow is `device`; the
//! gate's screen (camera, verdict, manual entry, sync status) is `desk`.

pub mod camera;
mod desk;
pub mod device;
pub mod gate;
mod kiosk;
pub mod net;
mod qr;
pub mod store;
mod wallet;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::device::{clock, Paired};
use crate::gate::Gate;
use crate::store::{Pairing, Store};

thread_local! {
    /// The open gate (the browser runs the app on one thread; signals hold only plain data).
    static GATE: RefCell<Option<Rc<Gate>>> = const { RefCell::new(None) };
}

fn gate() -> Option<Rc<Gate>> {
    GATE.with(|g| g.borrow().clone())
}

/// The IndexedDB database of this app.
pub const DB_NAME: &str = "ingia";

/// What the home screen shows.
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Loading,
    NotPaired,
    Pairing { progress: Option<f64>, step: &'static str },
    Ready { event: String, gate: String, tickets: usize, as_of: String },
    NoManifest,
    Failed(String),
}

/// The two pages a paired gate device opens: the steward's scanner (`/`, `index.html`) and the
/// self check-in kiosk (`/kiosk`, `kiosk.html`). Each is its own wasm module (`src/main.rs`,
/// `src/bin/kiosk.rs`), so a phone never downloads the kiosk and a tablet never the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GatePage {
    Scanner,
    Kiosk,
}

impl GatePage {
    /// The page this device's role belongs on.
    fn of(role: store::Role) -> Self {
        if role == store::Role::Kiosk {
            GatePage::Kiosk
        } else {
            GatePage::Scanner
        }
    }

    fn path(self) -> &'static str {
        match self {
            GatePage::Scanner => "/",
            GatePage::Kiosk => "/kiosk",
        }
    }
}

/// Sends the browser to another page of the app (a full load of that page's module).
fn go_to(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().replace(path);
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Opens the gate for a paired device with its event, then shows it.
async fn open_gate(p: Paired) -> Result<Screen, String> {
    let screen = ready(&p);
    if let Some(manifest) = p.manifest {
        let store = Rc::new(Store::open(DB_NAME).await.map_err(|e| e.to_string())?);
        let gate = Gate::open(store, p.pairing, manifest, p.cursors).await.map_err(|e| e.to_string())?;
        GATE.with(|g| *g.borrow_mut() = Some(Rc::new(gate)));
    }
    Ok(screen)
}

fn ready(p: &Paired) -> Screen {
    match &p.manifest {
        Some(m) => Screen::Ready {
            event: m.event.name.clone(),
            gate: m.gate(p.pairing.gate).map(|g| g.name.clone()).unwrap_or_else(|| format!("Gate {}", p.pairing.gate)),
            tickets: m.ticket_count(),
            as_of: clock(p.cursors.synced_at),
        },
        None => Screen::NoManifest,
    }
}

/// Pairs with the code from the link, downloads the event, then drops the code from the URL.
async fn run_pairing(code: String, set: WriteSignal<Screen>) -> Result<Screen, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    set.set(Screen::Pairing { progress: None, step: "Pairing this device…" });
    // A supervisor pairing a row of phones on one network meets the server's pairing rate limit
    // (10 a minute per address): wait for the next slot instead of failing.
    let mut tries = 0;
    let pairing = loop {
        match device::pair(&store, &code, "scanner").await {
            Err(device::DeviceError::Net(net::NetError::Server { status: 429, .. })) if tries < 10 => {
                tries += 1;
                set.set(Screen::Pairing {
                    progress: None,
                    step: "Many phones are pairing on this network: trying again in a few seconds…",
                });
                net::sleep(6_000).await;
            }
            other => break other.map_err(|e| e.to_string())?,
        }
    };
    // The code is used up: a reload must not try it again.
    if let Some(w) = web_sys::window() {
        let _ = w.history().and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/")));
    }
    download_and_open(&store, pairing, set).await
}

/// Downloads the event with a progress bar, then opens the gate.
async fn download_and_open(store: &Store, pairing: Pairing, set: WriteSignal<Screen>) -> Result<Screen, String> {
    set.set(Screen::Pairing { progress: Some(0.0), step: "Downloading the event…" });
    let (manifest, cursors) = device::download_manifest(store, &pairing, now_ms(), &|p| {
        set.set(Screen::Pairing { progress: p, step: "Downloading the event…" })
    })
    .await
    .map_err(|e| e.to_string())?;
    open_gate(Paired { pairing, manifest: Some(manifest), cursors }).await
}

async fn start(set: WriteSignal<Screen>) -> Result<Screen, String> {
    let location = web_sys::window().map(|w| w.location());
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let hash = location.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    if path == "/pair" {
        let code = hash.trim_start_matches('#').to_string();
        if code.is_empty() {
            return Err("This pairing link is incomplete. Ask your supervisor for a new one.".into());
        }
        return run_pairing(code, set).await;
    }
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    let loaded = device::load(&store).await.map_err(|e| e.to_string())?;
    // An attendee's phone (tickets, no pairing) opens on its tickets, also from the home screen.
    let attendee = loaded.is_none() && !store.wallet_tickets().await.map_err(|e| e.to_string())?.is_empty();
    store.close();
    if attendee {
        go_to("/wallet");
        return Ok(Screen::Loading);
    }
    match loaded {
        None => Ok(Screen::NotPaired),
        Some(p) => open_gate(p).await,
    }
}

/// Retries the event download for a paired device that has none yet.
async fn retry_download(set: WriteSignal<Screen>) -> Result<Screen, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    let pairing = store.pairing().await.map_err(|e| e.to_string())?.ok_or("This device is not paired.")?;
    download_and_open(&store, pairing, set).await
}

/// The steward's scanner page (`index.html`; also `/pair`).
pub fn scanner_app() -> impl IntoView {
    gate_page(GatePage::Scanner, |_, as_of| view! { <desk::GateDesk as_of=as_of/> }.into_any())
}

/// The self check-in kiosk page (`kiosk.html`, at `/kiosk`).
pub fn kiosk_app() -> impl IntoView {
    gate_page(GatePage::Kiosk, |event, _| view! { <kiosk::Kiosk event=event/> }.into_any())
}

/// The attendee's tickets (`wallet.html`, at `/wallet`).
pub fn wallet_app() -> impl IntoView {
    camera::persist_storage();
    view! { <wallet::WalletPage/> }
}

/// A gate device's page: pairing, then `open(event, data as of)` shows the open gate. A device
/// on the wrong page for its role (a kiosk tablet that paired at `/pair`) goes to its own.
fn gate_page(page: GatePage, open: fn(String, String) -> AnyView) -> impl IntoView {
    camera::persist_storage();
    let (screen, set_screen) = signal(Screen::Loading);
    spawn_local(async move {
        let next = start(set_screen).await.unwrap_or_else(Screen::Failed);
        set_screen.set(next);
    });
    let retry = move |_| {
        spawn_local(async move {
            let next = retry_download(set_screen).await.unwrap_or_else(Screen::Failed);
            set_screen.set(next);
        })
    };
    view! {
        <main class="shell">
            <header class="shell__bar">
                <h1 class="shell__title">"Ingia"</h1>
            </header>
            <section class="shell__body" aria-live="polite">
                {move || match screen.get() {
                    Screen::Loading => view! { <p>"Starting…"</p> }.into_any(),
                    Screen::NotPaired => view! {
                        <h2>"This device is not paired"</h2>
                        <p>"Ask your gate supervisor for the pairing link or QR code of your event and gate."</p>
                        <desk::PairByScan/>
                    }.into_any(),
                    Screen::Pairing { progress, step } => view! {
                        <h2>{step}</h2>
                        <progress class="shell__progress" max="1000" value=progress.map(|p| ((p * 1000.0) as u32).to_string())></progress>
                    }.into_any(),
                    Screen::Ready { event, gate: gate_name, tickets, as_of } => {
                        let home = gate().map_or(page, |g| GatePage::of(g.pairing.role));
                        if home != page {
                            go_to(home.path());
                            return view! { <p>"Opening…"</p> }.into_any();
                        }
                        view! {
                            <h2 data-testid="event">{event.clone()}</h2>
                            <p data-testid="gate">{gate_name}</p>
                            <p data-testid="tickets">{format!("{tickets} tickets on this device")}</p>
                            {open(event, as_of)}
                        }.into_any()
                    }
                    Screen::NoManifest => view! {
                        <h2>"Paired, but the event is not on this device yet"</h2>
                        <button class="shell__button" on:click=retry>"Download the event"</button>
                    }.into_any(),
                    Screen::Failed(message) => view! {
                        <h2>"Something went wrong"</h2>
                        <p role="alert" data-testid="error">{message}</p>
                    }.into_any(),
                }}
            </section>
        </main>
    }
}
