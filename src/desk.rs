//! The gate's screen: the camera scanner, manual PIN entry, the full-screen verdict (with sound
//! and vibration), the sync status and the conflicts list. Every decision and every sentence
//! comes from the gate engine (`engine`, through `link`), the same for a QR and a PIN; this file
//! only shows what comes back.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use crate::camera::{self, CameraState, Facing, Scanner};
use crate::link;

/// What the full-screen verdict shows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VerdictView {
    /// Counts the verdicts this screen showed (a new verdict may replace one still on screen).
    pub seq: u64,
    /// `green`, `amber` or `red`: the CSS class, `data-tone` and the sound.
    pub tone: String,
    pub title: String,
    pub holder: String,
    pub ticket_type: String,
    pub detail: String,
}

impl VerdictView {
    fn from_engine(v: &JsValue, seq: u64) -> Self {
        VerdictView {
            seq,
            tone: link::text(v, "tone"),
            title: link::text(v, "title"),
            holder: link::text(v, "holder"),
            ticket_type: link::text(v, "ticket_type"),
            detail: link::text(v, "detail"),
        }
    }
}

/// Event data older than this gets a warning: revocations may be missing.
const STALE_AFTER_MS: f64 = 10.0 * 60_000.0;
/// How long a verdict stays on screen before the gate is ready for the next attendee.
const VERDICT_MS: u64 = 2_500;

/// The open gate's status, as the engine last sent it.
#[derive(Clone, Debug, PartialEq, Default)]
struct Status {
    counts: String,
    stats: String,
    conflicts: Vec<String>,
    recent: Vec<(bool, String)>,
    as_of: String,
    /// Device time (ms) of the last contact with the server.
    synced_at: f64,
    staff: String,
    problem: Option<String>,
}

impl Status {
    fn from_engine(v: &JsValue) -> Self {
        Status {
            counts: link::text(v, "counts"),
            stats: link::text(v, "stats"),
            conflicts: link::list(v, "conflicts").iter().filter_map(JsValue::as_string).collect(),
            recent: link::list(v, "recent")
                .iter()
                .map(|row| {
                    let row = js_sys::Array::from(row);
                    (row.get(0).is_truthy(), row.get(1).as_string().unwrap_or_default())
                })
                .collect(),
            as_of: link::text(v, "as_of"),
            synced_at: link::get(v, "synced_at").as_f64().unwrap_or(0.0),
            staff: link::text(v, "staff"),
            problem: link::maybe_text(v, "problem"),
        }
    }
}

/// The engine's status: asked once, then each push that changes it.
fn follow_status() -> ReadSignal<Status> {
    let (status, set_status) = signal(Status::default());
    let update = move |v: &JsValue| {
        let new = Status::from_engine(v);
        if status.with_untracked(|old| *old != new) {
            set_status.try_set(new);
        }
    };
    StoredValue::new_local(link::listen("status", update));
    spawn_local(async move {
        if let Ok(v) = link::call("status", &[]).await {
            update(&v)
        }
    });
    status
}

fn camera_text(state: CameraState) -> &'static str {
    match state {
        CameraState::Starting => "Starting the camera…",
        CameraState::Running { .. } => "Hold the ticket's QR code inside the square",
        CameraState::Paused | CameraState::Stopped => "Camera off",
        CameraState::Denied => "Camera blocked: allow it in Chrome's site settings, or type the PIN below",
        CameraState::Unavailable => "No camera found: type the PIN below",
    }
}

/// Which recent scans the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Admitted,
    Refused,
}

/// The camera scanner, manual entry, the verdict and the sync status of an open gate.
#[component]
pub fn GateDesk(supervisor: bool) -> impl IntoView {
    let status = follow_status();
    let (pin, set_pin) = signal(String::new());
    let (verdict, set_verdict) = signal(None::<VerdictView>);
    let (filter, set_filter) = signal(Filter::All);
    let (query, set_query) = signal(String::new());
    let (found, set_found) = signal(Vec::<(String, String)>::new());
    let (problem, set_problem) = signal(None::<String>);
    let (camera_state, set_camera_state) = signal(CameraState::Stopped);
    let (scanning, set_scanning) = signal(camera::camera_wanted());
    let (torch_on, set_torch_on) = signal(false);
    let video = NodeRef::<Video>::new();
    // Disposed with the desk: dropping the scanner stops the camera and the worker.
    let scanner = StoredValue::new_local(None::<Scanner>);
    // Lists are rebuilt only when they change, not on every status push.
    let recent = Memo::new(move |_| status.with(|s| s.recent.clone()));
    let conflicts = Memo::new(move |_| status.with(|s| s.conflicts.clone()));
    let stats = Memo::new(move |_| status.with(|s| s.stats.clone()));
    // Minutes without contact, by this page's clock, looked at every few seconds.
    let (now, set_now) = signal(js_sys::Date::now());
    if let Ok(tick) = set_interval_with_handle(move || set_now.set(js_sys::Date::now()), Duration::from_secs(5)) {
        on_cleanup(move || tick.clear());
    }
    let stale = move || {
        let age = now.get() - status.with(|s| s.synced_at);
        (status.with(|s| s.synced_at) > 0.0 && age > STALE_AFTER_MS).then_some((age / 60_000.0) as u32)
    };

    background_sync();
    let decide = decider(
        false,
        set_verdict,
        set_problem,
        Rc::new(move |_: &JsValue, is_pin: bool| {
            if is_pin {
                set_pin.try_set(String::new());
            }
        }),
    );

    // The camera runs while the desk is shown and the steward has not paused it.
    let on_scan = decide.clone();
    run_camera(
        video,
        scanning.into(),
        Facing::Rear,
        scanner,
        set_camera_state,
        Rc::new(move |text| on_scan(text, false)),
    );
    // Name search, again whenever a scan may have changed who is inside.
    Effect::new(move |_| {
        let q = query.get();
        stats.track();
        if q.trim().is_empty() {
            set_found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(v) = link::call("search", &[("query", q.into())]).await {
                let rows = link::items(&v).iter().map(|f| (link::text(f, "text"), link::text(f, "pin"))).collect();
                set_found.try_set(rows);
            }
        });
    });
    let admit = StoredValue::new_local(decide.clone());
    let typed = decide.clone();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        typed(pin.get_untracked(), true);
    };
    view! {
        <p data-testid="as-of">{move || format!("Data as of {}", status.with(|s| s.as_of.clone()))}</p>
        {move || stale().map(|min| view! {
            <p class="desk__stale" role="alert" data-testid="stale">
                {format!("No contact with the server for {min} min: refunds and revocations since then are unknown here.")}
            </p>
        })}
        <StaffName status=status/>
        <p class="desk__stats" data-testid="stats">{move || stats.get()}</p>
        <p class="desk__status" data-testid="sync-status">{move || status.with(|s| s.counts.clone())}</p>
        <div class="scan">
            <video class="scan__video" node_ref=video data-testid="camera" muted=true playsinline=true></video>
            <div class="scan__box" aria-hidden="true"></div>
        </div>
        <p class="scan__state" data-testid="camera-state">{move || camera_text(camera_state.get())}</p>
        <div class="scan__controls">
            <button class="shell__button" data-testid="camera-toggle" on:click=move |_| {
                let on = !scanning.get_untracked();
                camera::set_camera_wanted(on);
                set_scanning.set(on);
            }>
                {move || if scanning.get() { "Pause camera" } else { "Start camera" }}
            </button>
            {move || matches!(camera_state.get(), CameraState::Running { cameras, .. } if cameras > 1).then(|| view! {
                <button class="shell__button" on:click=move |_| scanner.with_value(|s| {
                    if let Some(s) = s { s.switch_camera() }
                })>"Switch camera"</button>
            })}
            {move || matches!(camera_state.get(), CameraState::Running { torch: true, .. }).then(|| view! {
                <button class="shell__button" aria-pressed=move || torch_on.get().to_string() on:click=move |_| {
                    let on = !torch_on.get_untracked();
                    set_torch_on.set(on);
                    scanner.with_value(|s| if let Some(s) = s { s.torch(on) });
                }>"Torch"</button>
            })}
        </div>
        <form class="desk__manual" on:submit=check>
            <label for="pin">"Ticket PIN"</label>
            <input id="pin" data-testid="pin" inputmode="numeric" autocomplete="off" required
                prop:value=move || pin.get() on:input=move |ev| set_pin.set(event_target_value(&ev))/>
            <button class="shell__button" type="submit">"Check"</button>
        </form>
        <p role="alert" data-testid="problem">
            {move || problem.get().or_else(|| status.with(|s| s.problem.clone())).unwrap_or_default()}
        </p>
        <section class="desk__search">
            <label for="name-search">"Find by name"</label>
            <input id="name-search" data-testid="name-search" type="search" autocomplete="off"
                prop:value=move || query.get() on:input=move |ev| set_query.set(event_target_value(&ev))/>
            <ul data-testid="search-results">
                {move || found.get().into_iter().map(|(text, pin)| {
                    view! {
                        <li>
                            {text}
                            {supervisor.then(|| view! {
                                <button class="desk__small" on:click=move |_| admit.with_value(|f| f(pin.clone(), true))>"Admit (ID checked)"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="desk__recent">
            <h3>"Recent scans"</h3>
            <div role="group" aria-label="Show">
                {[(Filter::All, "All"), (Filter::Admitted, "Admitted"), (Filter::Refused, "Refused")].map(|(f, label)| view! {
                    <button class="desk__small" aria-pressed=move || (filter.get() == f).to_string()
                        on:click=move |_| set_filter.set(f)>{label}</button>
                }).collect_view()}
            </div>
            <ul data-testid="recent">
                {move || {
                    let f = filter.get();
                    recent.get().into_iter()
                        .filter(|(ok, _)| match f { Filter::All => true, Filter::Admitted => *ok, Filter::Refused => !*ok })
                        .map(|(ok, text)| view! { <li class=if ok { "recent--ok" } else { "recent--no" }>{text}</li> })
                        .collect_view()
                }}
            </ul>
        </section>
        {move || (!conflicts.get().is_empty()).then(|| view! {
            <section class="desk__conflicts">
                <h3>"Conflicts: admitted at another gate first"</h3>
                <ul data-testid="conflicts">
                    {conflicts.get().into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
            </section>
        })}
        {move || verdict.get().map(|v| view! {
            <div class=format!("verdict verdict--{}", v.tone) data-testid="verdict" data-tone=v.tone.clone()
                data-seq=v.seq
                on:click=move |_| set_verdict.set(None)>
                <p class="verdict__title" data-testid="verdict-title">{v.title}</p>
                <p class="verdict__holder" data-testid="verdict-holder">{v.holder}</p>
                <p class="verdict__type">{v.ticket_type}</p>
                <p class="verdict__detail" data-testid="verdict-detail">{v.detail}</p>
            </div>
        })}
    }
}

/// The network is back (the browser's `online`, or Chrome's Background Sync relayed by the
/// service worker): the engine syncs at once, skipping its retry backoff. The engine's own timer
/// pushes and pulls every 2 s besides.
pub(crate) fn background_sync() {
    let back_online = || {
        spawn_local(async {
            let _ = link::call("online", &[]).await;
        })
    };
    let online = window_event_listener(leptos::ev::online, move |_| back_online());
    on_cleanup(move || online.remove());
    let wake = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(back_online);
    let waker = camera::on_background_sync(&wake);
    StoredValue::new_local(wake); // dropped with this screen, right after it unregisters
    on_cleanup(move || camera::clear_background_sync(waker));
}

/// What the screen does after a decided scan (beyond showing the verdict): gets the engine's
/// answer and whether it was a PIN.
pub(crate) type AfterCheck = Rc<dyn Fn(&JsValue, bool)>;

/// The one path for a scanned QR (`false`) and a typed PIN (`true`): the engine decides offline
/// and stores the record; then the verdict shows with its sound, and clears after a few seconds.
pub(crate) fn decider(
    kiosk: bool,
    set_verdict: WriteSignal<Option<VerdictView>>,
    set_problem: WriteSignal<Option<String>>,
    after: AfterCheck,
) -> Rc<dyn Fn(String, bool)> {
    let shown = Rc::new(Cell::new(0u64));
    Rc::new(move |text: String, is_pin: bool| {
        let (shown, after) = (shown.clone(), after.clone());
        spawn_local(async move {
            let args = [("text", JsValue::from(text)), ("pin", is_pin.into()), ("kiosk", kiosk.into())];
            match link::call("check", &args).await {
                Ok(answer) => {
                    let n = shown.get() + 1;
                    shown.set(n);
                    let view = VerdictView::from_engine(&answer, n);
                    camera::feedback(&view.tone);
                    set_problem.try_set(None);
                    set_verdict.try_set(Some(view));
                    camera::verdict_shown();
                    // Ready for the next attendee without a tap (a newer verdict keeps its time).
                    set_timeout(
                        move || {
                            if shown.get() == n {
                                set_verdict.try_set(None);
                            }
                        },
                        Duration::from_millis(VERDICT_MS),
                    );
                    after(&answer, is_pin);
                    if link::number(&answer, "pending").unwrap_or(0) > 0 {
                        camera::request_background_sync();
                    }
                }
                // Nothing was recorded, so nothing is shown as decided.
                Err(e) => {
                    set_problem.try_set(Some(format!("Scan not recorded: {e}")));
                }
            }
        });
    })
}

/// Runs the camera on `video` while `wanted` is true; each new code goes to `on_scan`.
pub(crate) fn run_camera(
    video: NodeRef<Video>,
    wanted: Signal<bool>,
    facing: Facing,
    scanner: StoredValue<Option<Scanner>, LocalStorage>,
    set_state: WriteSignal<CameraState>,
    on_scan: Rc<dyn Fn(String)>,
) {
    Effect::new(move |_| {
        let want = wanted.get();
        let Some(el) = video.get() else { return };
        if want && scanner.with_value(Option::is_none) {
            let on_scan = on_scan.clone();
            let started = Scanner::start(
                &el.into(),
                facing,
                move |text| on_scan(text),
                move |s| {
                    set_state.try_set(s);
                },
            );
            scanner.set_value(Some(started));
        } else if !want {
            scanner.set_value(None);
            set_state.set(CameraState::Stopped);
        }
    });
    // Browsers keep sound off until the first touch.
    let unlock = window_event_listener(leptos::ev::pointerdown, |_| camera::unlock_audio());
    on_cleanup(move || unlock.remove());
}

/// An unpaired device scans the supervisor's pairing QR code (the camera opens on request).
#[component]
pub fn PairByScan() -> impl IntoView {
    let (on, set_on) = signal(false);
    let (state, set_state) = signal(CameraState::Stopped);
    let (note, set_note) = signal(String::new());
    let video = NodeRef::<Video>::new();
    let scanner = StoredValue::new_local(None::<Scanner>);
    run_camera(
        video,
        on.into(),
        Facing::Rear,
        scanner,
        set_state,
        Rc::new(move |text: String| match crate::device::pairing_code(&text) {
            Some(code) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&format!("/pair#{code}"));
                }
            }
            None => set_note.set("That code is not an Ingia pairing code.".into()),
        }),
    );
    view! {
        <button class="shell__button" data-testid="scan-pairing" on:click=move |_| set_on.set(true)>
            "Scan the pairing QR code"
        </button>
        <div class="scan" style:display=move || if on.get() { "block" } else { "none" }>
            <video class="scan__video" node_ref=video muted=true playsinline=true></video>
            <div class="scan__box" aria-hidden="true"></div>
        </div>
        <p class="scan__state">{move || if on.get() { camera_text(state.get()) } else { "" }}</p>
        <p role="alert" data-testid="pairing-note">{move || note.get()}</p>
    }
}

/// "Scanning as NAME": the name every record of this device carries, changed in place.
#[component]
fn StaffName(status: ReadSignal<Status>) -> impl IntoView {
    let name = move || status.with(|s| s.staff.clone());
    let (editing, set_editing) = signal(false);
    let (typed, set_typed) = signal(String::new());
    let (problem, set_problem) = signal(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = typed.get_untracked();
        spawn_local(async move {
            match link::call("staff", &[("name", wanted.into())]).await {
                Ok(_) => {
                    set_problem.try_set(String::new());
                    set_editing.try_set(false);
                }
                Err(e) => {
                    set_problem.try_set(e);
                }
            }
        });
    };
    view! {
        {move || if editing.get() {
            view! {
                <form class="desk__staff" on:submit=save>
                    <label for="staff-name">"Your name"</label>
                    <input id="staff-name" data-testid="staff-name" autocomplete="name" maxlength="40"
                        prop:value=move || typed.get() on:input=move |ev| set_typed.set(event_target_value(&ev))/>
                    <button class="desk__small" type="submit">"Save"</button>
                    <span role="alert">{move || problem.get()}</span>
                </form>
            }.into_any()
        } else {
            view! {
                <p class="desk__staff">"Scanning as " <strong data-testid="staff">{name}</strong>
                    <button class="desk__small" data-testid="staff-change" on:click=move |_| {
                        set_typed.set(status.with_untracked(|s| s.staff.clone()));
                        set_editing.set(true);
                    }>"Change"</button>
                </p>
            }.into_any()
        }}
    }
}
