//! Ingia's PWA (Leptos, client-side rendered): three pages, each its own wasm module built from
//! this library (`scanner_app`, `wallet_app`, `kiosk_app`), and the gate engine worker (`engine`,
//! `src/bin/engine.rs`) that the scanner and the kiosk talk to through `link`. Decisions come from
//! `ingia-core` inside the engine; storage is `store`, the network is `net`, the paired device's
//! data flow is `device` and `gate`; the gate's screen (camera, verdict, manual entry, sync status)
//! is `desk`.

pub mod camera;
mod desk;
pub mod device;
pub mod engine;
pub mod gate;
mod kiosk;
mod link;
pub mod net;
mod qr;
pub mod store;
mod wallet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

pub use crate::engine::DB_NAME;

/// What the home screen shows.
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Loading,
    NotPaired,
    Pairing {
        progress: Option<u32>,
        step: String,
    },
    Ready {
        event: String,
        gate: String,
        tickets: u32,
        role: String,
    },
    NoManifest,
    /// An attendee's phone (tickets, no pairing): its tickets are at `/wallet`.
    Wallet,
    Failed(String),
}

impl Screen {
    /// The engine's screen (see `engine`'s protocol).
    fn from_engine(v: &JsValue) -> Screen {
        match link::text(v, "screen").as_str() {
            "not-paired" => Screen::NotPaired,
            "pairing" => Screen::Pairing { progress: link::number(v, "progress"), step: link::text(v, "step") },
            "ready" => Screen::Ready {
                event: link::text(v, "event"),
                gate: link::text(v, "gate"),
                tickets: link::number(v, "tickets").unwrap_or(0),
                role: link::text(v, "role"),
            },
            "no-manifest" => Screen::NoManifest,
            "wallet" => Screen::Wallet,
            _ => Screen::Failed("unexpected answer from the scanner".into()),
        }
    }
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
    fn of(role: &str) -> Self {
        if role == store::Role::Kiosk.name() {
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

/// Asks the engine to open the gate (pairing first at `/pair#CODE`).
async fn start() -> Result<JsValue, String> {
    let location = web_sys::window().map(|w| w.location());
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let hash = location.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    link::call("start", &[("path", path.into()), ("hash", hash.into())]).await
}

/// The steward's scanner page (`index.html`; also `/pair`).
pub fn scanner_app() -> impl IntoView {
    gate_page(GatePage::Scanner, |_, role| {
        let supervisor = role == store::Role::Supervisor.name();
        view! { <desk::GateDesk supervisor=supervisor/> }.into_any()
    })
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

/// A gate device's page: pairing, then `open(event, role)` shows the open gate. A device on the
/// wrong page for its role (a kiosk tablet that paired at `/pair`) goes to its own.
fn gate_page(page: GatePage, open: fn(String, String) -> AnyView) -> impl IntoView {
    camera::persist_storage();
    let (screen, set_screen) = signal(Screen::Loading);
    let shown = move |answer: Result<JsValue, String>| {
        set_screen.try_set(answer.map_or_else(Screen::Failed, |v| Screen::from_engine(&v)));
    };
    // Pairing and downloading report their steps as they go.
    let steps = link::listen("screen", move |v| {
        if link::flag(v, "forget_link") {
            // The pairing code is used up: a reload must not try it again.
            if let Some(w) = web_sys::window() {
                let _ = w.history().and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some("/")));
            }
        }
        set_screen.try_set(Screen::from_engine(v));
    });
    StoredValue::new_local(steps);
    spawn_local(async move { shown(start().await) });
    let retry = move |_| spawn_local(async move { shown(link::call("retry", &[]).await) });
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
                        <progress class="shell__progress" max="1000" value=progress.map(|p| p.to_string())></progress>
                    }.into_any(),
                    Screen::Ready { event, gate: gate_name, tickets, role } => {
                        let home = GatePage::of(&role);
                        if home != page {
                            go_to(home.path());
                            return view! { <p>"Opening…"</p> }.into_any();
                        }
                        view! {
                            <h2 data-testid="event">{event.clone()}</h2>
                            <p data-testid="gate">{gate_name}</p>
                            <p data-testid="tickets">{format!("{tickets} tickets on this device")}</p>
                            {open(event, role)}
                        }.into_any()
                    }
                    Screen::NoManifest => view! {
                        <h2>"Paired, but the event is not on this device yet"</h2>
                        <button class="shell__button" on:click=retry>"Download the event"</button>
                    }.into_any(),
                    Screen::Wallet => {
                        go_to("/wallet");
                        view! { <p>"Opening…"</p> }.into_any()
                    }
                    Screen::Failed(message) => view! {
                        <h2>"Something went wrong"</h2>
                        <p role="alert" data-testid="error">{message}</p>
                        <button class="shell__button" on:click=|_| {
                            if let Some(w) = web_sys::window() { let _ = w.location().reload(); }
                        }>"Try again"</button>
                    }.into_any(),
                }}
            </section>
        </main>
    }
}
