//! The pages (main thread): three, each its own wasm module built from this library
//! (`scanner_app`, `wallet_app`, `kiosk_app`). The scanner and the kiosk talk to the gate engine
//! worker through `link` in `ingia_core::protocol`'s types and show what it answers; the gate's
//! screen (camera, verdict, manual entry, status, the sheet of lists) is `desk`; the camera glue
//! is `camera`. Nothing here imports the engine.

pub mod camera;
mod desk;
mod kiosk;
mod lang;
mod link;
mod qr;
mod wallet;

use ingia_core::protocol::{Answer, Push, Request, Screen};
use ingia_core::Role;

use lang::{w, LanguagePicker};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

/// What the home screen shows: the engine's screen, or the page's own states around it.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    Loading,
    Engine(Screen),
    Failed(String),
}

impl Shown {
    fn of(answer: Result<Answer, String>) -> Shown {
        match answer {
            Ok(Answer::Screen(s)) => Shown::Engine(s),
            Ok(_) => Shown::Failed(w().unexpected_answer.into()),
            Err(e) => Shown::Failed(e),
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
    fn of(role: Role) -> Self {
        if role == Role::Kiosk {
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

/// Asks the engine to open the gate (pairing first at `/pair#CODE`).
async fn start() -> Result<Answer, String> {
    let location = web_sys::window().map(|w| w.location());
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let hash = location.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    link::call(Request::Start { path, hash }).await
}

/// The open gate as the engine described it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OpenGate {
    pub event: String,
    pub gate: String,
    pub tickets: u32,
    pub role: Role,
    /// The event's language (the kiosk's after each visitor).
    pub lang: ingia_core::Lang,
}

/// The steward's scanner page (`index.html`; also `/pair`).
pub fn scanner_app() -> impl IntoView {
    gate_page(GatePage::Scanner, |open| view! { <desk::GateDesk open=open lock=desk::staff_lock/> }.into_any())
}

/// The self check-in kiosk page (`kiosk.html`, at `/kiosk`).
pub fn kiosk_app() -> impl IntoView {
    gate_page(GatePage::Kiosk, |open| view! { <kiosk::Kiosk open=open/> }.into_any())
}

/// The attendee's tickets (`wallet.html`, at `/wallet`).
pub fn wallet_app() -> impl IntoView {
    lang::show();
    camera::persist_storage();
    view! { <wallet::WalletPage/> }
}

/// A gate device's page: pairing, then `open` shows the open gate. A device on the wrong page
/// for its role (a kiosk tablet that paired at `/pair`) goes to its own.
fn gate_page(page: GatePage, open: fn(OpenGate) -> AnyView) -> impl IntoView {
    lang::apply();
    camera::persist_storage();
    let (screen, set_screen) = signal(Shown::Loading);
    let shown = move |answer: Result<Answer, String>| {
        set_screen.try_set(Shown::of(answer));
    };
    // Pairing and downloading report their steps as they go.
    let steps = link::listen(move |p| {
        let Push::Screen(s) = p else { return };
        if matches!(s, Screen::Pairing { forget_link: true, .. }) {
            // The pairing code is used up: a reload must not try it again.
            if let Some(w) = web_sys::window() {
                let _ = w.history().and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some("/")));
            }
        }
        set_screen.try_set(Shown::Engine(s));
    });
    StoredValue::new_local(steps);
    spawn_local(async move { shown(start().await) });
    let retry = move |_| spawn_local(async move { shown(link::call(Request::RetryDownload).await) });
    view! {
        <main class="shell">
            <header class="shell__bar">
                <h1 class="shell__title">"Ingia"</h1>
                <LanguagePicker/>
            </header>
            <section class="shell__body" aria-live="polite">
                {move || match screen.get() {
                    Shown::Loading => view! { <p>{w().starting}</p> }.into_any(),
                    Shown::Engine(Screen::NotPaired) => view! {
                        <h2>{w().not_paired}</h2>
                        <p>{w().not_paired_help}</p>
                        <desk::PairByScan/>
                    }.into_any(),
                    Shown::Engine(Screen::Pairing { progress, step, .. }) => view! {
                        <h2>{step}</h2>
                        <progress class="shell__progress" max="1000" value=progress.map(|p| p.to_string())></progress>
                    }.into_any(),
                    Shown::Engine(Screen::Ready { event, gate, tickets, role, lang }) => {
                        let home = GatePage::of(role);
                        if home != page {
                            go_to(home.path());
                            return view! { <p>{w().opening}</p> }.into_any();
                        }
                        open(OpenGate { event, gate, tickets, role, lang })
                    }
                    Shown::Engine(Screen::NoManifest) => view! {
                        <h2>{w().no_manifest}</h2>
                        <button class="shell__button" on:click=retry>{w().download_event}</button>
                    }.into_any(),
                    Shown::Engine(Screen::Erased { why }) => view! {
                        <h2 data-testid="erased">{why}</h2>
                        <p>{w().not_paired_help}</p>
                        <desk::PairByScan/>
                    }.into_any(),
                    Shown::Engine(Screen::Wallet) => {
                        go_to("/wallet");
                        view! { <p>{w().opening}</p> }.into_any()
                    }
                    Shown::Failed(message) => view! {
                        <h2>{w().something_wrong}</h2>
                        <p role="alert" data-testid="error">{message}</p>
                        <button class="shell__button" on:click=|_| {
                            if let Some(w) = web_sys::window() { let _ = w.location().reload(); }
                        }>{w().try_again}</button>
                    }.into_any(),
                }}
            </section>
        </main>
    }
}

/// Runs `f` every `every` while the calling component lives (the timer is cleared with it).
pub(crate) fn use_interval(every: std::time::Duration, f: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(f, every) {
        on_cleanup(move || handle.clear());
    }
}
