//! Ingia's scanner PWA (Leptos, client-side rendered). Pages compose components; decisions come
//! from `ingia-core`; storage is `store`, the network is `net`, the paired device's data flow
//! is `device`. The camera scanner, verdict screen and sync arrive with the scanner issue.

pub mod device;
pub mod gate;
pub mod net;
pub mod store;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use ingia_core::{Movement, Presented, Refusal, Tone, Verdict};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::device::{clock, Paired};
use crate::gate::{headline, Checked, Gate, SyncCounts};
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
    let pairing = device::pair(&store, &code, "scanner").await.map_err(|e| e.to_string())?;
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
    store.close();
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

/// The root component.
#[component]
pub fn App() -> impl IntoView {
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
                    }.into_any(),
                    Screen::Pairing { progress, step } => view! {
                        <h2>{step}</h2>
                        <progress class="shell__progress" max="1" value=progress.map(|p| p.to_string())></progress>
                    }.into_any(),
                    Screen::Ready { event, gate, tickets, as_of } => view! {
                        <h2 data-testid="event">{event}</h2>
                        <p data-testid="gate">{gate}</p>
                        <p data-testid="tickets">{format!("{tickets} tickets on this device")}</p>
                        <GateDesk as_of=as_of/>
                    }.into_any(),
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

/// What the full-screen verdict shows.
#[derive(Clone, Debug, PartialEq)]
struct VerdictView {
    tone: &'static str,
    title: String,
    holder: String,
    ticket_type: String,
    detail: String,
}

fn verdict_view(c: &Checked, gate: &Gate) -> VerdictView {
    let (tone, title, detail) = match &c.verdict {
        Verdict::Admit { movement: Movement::Exit, .. } => (Tone::Green, "Exit recorded".to_string(), String::new()),
        Verdict::Admit { reentry, .. } => {
            (Tone::Green, "Welcome".to_string(), if *reentry { "Re-entry".into() } else { String::new() })
        }
        Verdict::Refuse { reason, .. } => {
            let detail = match reason {
                Refusal::AlreadyCheckedIn(stamp) => {
                    format!("at {}, {}, device {}", clock(stamp.at.0), gate.gate_name(stamp.gate), stamp.device)
                }
                _ => String::new(),
            };
            (reason.kind().tone(), headline(reason.kind()).to_string(), detail)
        }
    };
    VerdictView {
        tone: match tone {
            Tone::Green => "green",
            Tone::Amber => "amber",
            Tone::Red => "red",
        },
        title,
        holder: c.holder.clone().unwrap_or_default(),
        ticket_type: c.ticket_type.clone().unwrap_or_default(),
        detail,
    }
}

/// Event data older than this gets a warning: revocations may be missing.
const STALE_AFTER_MS: u64 = 10 * 60_000;

fn counts_text(c: SyncCounts) -> String {
    format!("{} pending · {} synced · {} conflicts", c.pending, c.synced, c.conflicts)
}

/// Manual entry, the verdict and the sync status of an open gate.
#[component]
fn GateDesk(as_of: String) -> impl IntoView {
    let (pin, set_pin) = signal(String::new());
    let (as_of, set_as_of) = signal(as_of);
    let (stale_for, set_stale_for) = signal(None::<u64>);
    let (verdict, set_verdict) = signal(None::<VerdictView>);
    let (counts, set_counts) = signal(gate().map(|g| g.counts()).unwrap_or_default());
    let (problem, set_problem) = signal(None::<String>);
    let syncing = Rc::new(Cell::new(false));
    let sync_now = move || {
        let Some(g) = gate() else { return };
        if syncing.replace(true) {
            return;
        }
        let syncing = syncing.clone();
        spawn_local(async move {
            if let Err(e) = g.sync(&now_ms).await {
                set_problem.set(Some(e.to_string()));
            }
            set_counts.set(g.counts());
            set_as_of.set(clock(g.synced_at()));
            let age = now_ms().saturating_sub(g.synced_at());
            set_stale_for.set((age > STALE_AFTER_MS).then_some(age / 60_000));
            syncing.set(false);
        });
    };
    sync_now();
    let tick = sync_now.clone();
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(2)) {
        on_cleanup(move || handle.clear());
    }
    // The network is back: skip the backoff and sync now.
    let back_online = sync_now.clone();
    let online = window_event_listener(leptos::ev::online, move |_| {
        if let Some(g) = gate() {
            g.network_up(now_ms());
        }
        back_online();
    });
    on_cleanup(move || online.remove());
    let after_scan = sync_now.clone();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(g) = gate() else { return };
        let typed = pin.get_untracked();
        let after_scan = after_scan.clone();
        spawn_local(async move {
            match g.check(Presented::Pin(&typed), Movement::Entry, "steward", now_ms()).await {
                Ok(checked) => {
                    set_problem.set(None);
                    set_pin.set(String::new());
                    set_verdict.set(Some(verdict_view(&checked, &g)));
                    set_counts.set(g.counts());
                    set_timeout(move || set_verdict.set(None), Duration::from_millis(3_000));
                    after_scan();
                }
                // Nothing was recorded, so nothing is shown as decided.
                Err(e) => set_problem.set(Some(format!("Storage problem, scan not recorded: {e}"))),
            }
        });
    };
    view! {
        <p data-testid="as-of">{move || format!("Data as of {}", as_of.get())}</p>
        {move || stale_for.get().map(|min| view! {
            <p class="desk__stale" role="alert" data-testid="stale">
                {format!("No contact with the server for {min} min: refunds and revocations since then are unknown here.")}
            </p>
        })}
        <p class="desk__status" data-testid="sync-status">{move || counts_text(counts.get())}</p>
        <form class="desk__manual" on:submit=check>
            <label for="pin">"Ticket PIN"</label>
            <input id="pin" data-testid="pin" inputmode="numeric" autocomplete="off" required
                prop:value=move || pin.get() on:input=move |ev| set_pin.set(event_target_value(&ev))/>
            <button class="shell__button" type="submit">"Check"</button>
        </form>
        <p role="alert" data-testid="problem">{move || problem.get().unwrap_or_default()}</p>
        {move || verdict.get().map(|v| view! {
            <div class=format!("verdict verdict--{}", v.tone) data-testid="verdict" data-tone=v.tone
                on:click=move |_| set_verdict.set(None)>
                <p class="verdict__title" data-testid="verdict-title">{v.title}</p>
                <p class="verdict__holder" data-testid="verdict-holder">{v.holder}</p>
                <p class="verdict__type">{v.ticket_type}</p>
                <p class="verdict__detail" data-testid="verdict-detail">{v.detail}</p>
            </div>
        })}
    }
}
