//! The gate's screen, laid out for the hand that holds it at arm's length for hours: the camera
//! fills the screen under one slim status line (sync counts, data age, warnings), the PIN entry
//! sits under the thumb, and the name search, recent scans, conflicts and the gate's details
//! are one tap away in a sheet. The full-screen verdict (with sound and vibration) covers it all.
//! Every decision and every sentence comes from the gate engine (`link`) or `ingia_core::words`;
//! this file only shows what comes back.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ingia_core::protocol::{Answer, Found, Push, Request, Status, VerdictView};
use ingia_core::{words, Role};
use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::page::camera::{self, CameraState, Facing, Scanner};
use crate::page::lang::{lang, w, LanguagePicker};
use crate::page::{link, OpenGate};

/// How long a verdict stays on screen before the gate is ready for the next attendee.
const VERDICT_MS: u64 = 2_500;

/// The engine's status: asked once, then each push that changes it.
fn follow_status() -> ReadSignal<Status> {
    let (status, set_status) = signal(Status::default());
    let update = move |new: Status| {
        if status.with_untracked(|old| *old != new) {
            set_status.try_set(new);
        }
    };
    StoredValue::new_local(link::listen(move |p| {
        if let Push::Status(s) = p {
            update(s)
        }
    }));
    spawn_local(async move {
        if let Ok(Answer::Status(s)) = link::call(Request::Status).await {
            update(s)
        }
    });
    status
}

/// Which recent scans the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Admitted,
    Refused,
}

/// What the desk shows besides the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ui {
    sheet: Option<Sheet>,
    filter: Filter,
}

/// What the sheet shows, when open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    Search,
    Recent,
    Conflicts,
    Phone,
    Gate,
}

impl Sheet {
    /// The pane's name (`data-tab`, style/main.css).
    fn id(self) -> &'static str {
        match self {
            Sheet::Search => "search",
            Sheet::Recent => "recent",
            Sheet::Conflicts => "conflicts",
            Sheet::Phone => "phone",
            Sheet::Gate => "gate",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Sheet::Search => w().find_by_name,
            Sheet::Recent => w().recent_scans,
            Sheet::Conflicts => w().conflicts_title,
            Sheet::Phone => w().phone_title,
            Sheet::Gate => w().this_gate,
        }
    }
    /// The tab's test id.
    fn tab(self) -> &'static str {
        match self {
            Sheet::Search => "tab-search",
            Sheet::Recent => "tab-recent",
            Sheet::Conflicts => "tab-conflicts",
            Sheet::Phone => "tab-phone",
            Sheet::Gate => "tab-gate",
        }
    }
}

/// The camera scanner, manual entry, the verdict and the sync status of an open gate.
#[component]
pub fn GateDesk(open: OpenGate, lock: fn(ReadSignal<Status>) -> LockParts) -> impl IntoView {
    let supervisor = open.role == Role::Supervisor;
    let status = follow_status();
    let (pin, set_pin) = signal(String::new());
    let (verdict, set_verdict) = signal(None::<(u32, VerdictView)>);
    // The desk's own choices: which list the sheet shows, and the recent scans' filter (one
    // signal: each signal type costs its own code in the page).
    let (ui, set_ui) = signal(Ui { sheet: None, filter: Filter::All });
    let sheet = move || ui.with(|u| u.sheet);
    let (problem, set_problem) = signal(None::<String>);
    let (camera_state, set_camera_state) = signal(CameraState::Stopped);
    let (scanning, set_scanning) = signal(camera::camera_wanted());
    let (torch_on, set_torch_on) = signal(false);
    let video = NodeRef::<Video>::new();
    // Disposed with the desk: dropping the scanner stops the camera and the worker.
    let scanner = StoredValue::new_local(None::<Scanner>);
    // The sheet's lists keep their query and filter while it is closed.
    let (query, set_query) = signal(String::new());
    let (found, set_found) = signal(Vec::<Found>::new());
    // Name search, again whenever a scan may have changed who is inside.
    Effect::new(move |_| {
        let q = query.get();
        status.track();
        if q.trim().is_empty() {
            set_found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(Answer::Found(rows)) = link::call(Request::Search { query: q }).await {
                set_found.try_set(rows);
            }
        });
    });

    background_sync();
    let LockParts { locked, overlay, setting } = lock(status);
    let decide = decider(
        false,
        set_verdict,
        set_problem,
        Rc::new(move |_: &VerdictView, is_pin: bool| {
            if is_pin {
                set_pin.try_set(String::new());
            }
        }),
    );

    // The camera runs while the desk is shown and the steward has not paused it.
    let on_scan = decide.clone();
    run_camera(
        video,
        // A locked screen scans nothing.
        Signal::derive(move || scanning.get() && !locked.get()),
        Facing::Rear,
        scanner,
        set_camera_state,
        Rc::new(move |text| on_scan(text, false)),
    );
    hardware_scanner(locked, decide.clone());
    let typed = decide.clone();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        typed(pin.get_untracked(), true);
    };
    let tab = move |which: Sheet, label: &'static str| {
        view! {
            <button class="desk__tab" data-testid=which.tab()
                aria-pressed=move || (sheet() == Some(which)).to_string()
                on:click=move |_| set_ui.update(|u| u.sheet = if u.sheet == Some(which) { None } else { Some(which) })>
                {label}
            </button>
        }
    };
    let admit = StoredValue::new_local(decide.clone());
    view! {
        <div class="desk" data-testid="desk">
            <header class="desk__line">
                <span data-testid="sync-status">{move || status.with(|s| s.counts.clone())}</span>
                <span class="desk__age" data-testid="as-of">{move || status.with(|s| s.as_of.clone())}</span>
            </header>
            {move || status.with(|s| s.stale.clone()).map(|warning| view! {
                <p class="desk__warn" role="alert" data-testid="stale">{warning}</p>
            })}
            {move || problem.get().or_else(|| status.with(|s| s.problem.clone())).map(|p| view! {
                <p class="desk__warn" role="alert" data-testid="problem">{p}</p>
            })}
            <div class="desk__camera">
                {camera::scan_view(video)}
                <p class="desk__prompt" data-testid="camera-state">{move || camera::prompt(camera_state.get())}</p>
                <div class="desk__controls">
                    <button class="desk__round" data-testid="camera-toggle" on:click=move |_| {
                        let on = !scanning.get_untracked();
                        camera::set_camera_wanted(on);
                        set_scanning.set(on);
                    }>
                        {move || if scanning.get() { w().pause_camera } else { w().start_camera }}
                    </button>
                    {move || matches!(camera_state.get(), CameraState::Running { cameras, .. } if cameras > 1).then(|| view! {
                        <button class="desk__round" on:click=move |_| scanner.with_value(|s| {
                            if let Some(s) = s { s.switch_camera() }
                        })>{w().switch_camera}</button>
                    })}
                    {move || matches!(camera_state.get(), CameraState::Running { torch: true, .. }).then(|| view! {
                        <button class="desk__round" aria-pressed=move || torch_on.get().to_string() on:click=move |_| {
                            let on = !torch_on.get_untracked();
                            set_torch_on.set(on);
                            scanner.with_value(|s| if let Some(s) = s { s.torch(on) });
                        }>{w().torch}</button>
                    })}
                </div>
            </div>
            <form class="desk__manual" on:submit=check>
                <input id="pin" data-testid="pin" dir="ltr" inputmode="numeric" autocomplete="off" required placeholder=w().ticket_pin
                    aria-label=w().ticket_pin
                    prop:value=move || pin.get() on:input=move |ev| set_pin.set(event_target_value(&ev))/>
                <button class="shell__button" type="submit">{w().check}</button>
            </form>
            <nav class="desk__tabs">
                {tab(Sheet::Search, w().tab_search)}
                {tab(Sheet::Recent, w().tab_recent)}
                {move || status.with(|s| !s.conflicts.is_empty()).then(|| tab(Sheet::Conflicts, w().tab_conflicts))}
                {move || status.with(|s| !s.phone.is_empty()).then(|| tab(Sheet::Phone, w().phone_tab))}
                {tab(Sheet::Gate, w().tab_gate)}
            </nav>
            // The sheet and its lists are one static tree; `data-tab` says which pane shows
            // (style/main.css), which is less code than a view per state.
            <section class="sheet" role="dialog" data-testid="sheet" data-tab=move || sheet().map_or("", Sheet::id)>
                <header class="sheet__head">
                    <h3>{move || sheet().map_or("", Sheet::title)}</h3>
                    <button class="desk__small" data-testid="sheet-close" on:click=move |_| set_ui.update(|u| u.sheet = None)>{w().close}</button>
                </header>
                <div class="sheet__pane sheet__pane--search">
                    {(!supervisor).then(|| view! { <p data-testid="search-elsewhere">{w().search_on_supervisor}</p> })}
                    <input hidden=!supervisor id="name-search" data-testid="name-search" type="search" autocomplete="off" aria-label=w().name
                        prop:value=move || query.get() on:input=move |ev| set_query.set(event_target_value(&ev))/>
                    <ul class="sheet__list" data-testid="search-results">
                        {move || found.get().into_iter().map(|f| {
                            let pin = f.pin;
                            view! {
                                <li>
                                    {f.text}
                                    {supervisor.then(|| view! {
                                        <button class="desk__small" on:click=move |_| admit.with_value(|a| a(pin.clone(), true))>{w().admit_id_checked}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
                <div class="sheet__pane sheet__pane--recent">
                    <div role="group" aria-label=w().show>
                        {[(Filter::All, w().all), (Filter::Admitted, w().admitted_filter), (Filter::Refused, w().refused)].map(|(f, label)| view! {
                            <button class="desk__small" aria-pressed=move || ui.with(|u| u.filter == f).to_string()
                                on:click=move |_| set_ui.update(|u| u.filter = f)>{label}</button>
                        }).collect_view()}
                    </div>
                    <ul class="sheet__list" data-testid="recent">
                        {move || {
                            let f = ui.with(|u| u.filter);
                            status.with(|s| s.recent.iter()
                                .filter(|r| match f { Filter::All => true, Filter::Admitted => r.admitted, Filter::Refused => !r.admitted })
                                .map(|r| view! { <li class=if r.admitted { "recent--ok" } else { "recent--no" }>{r.text.clone()}</li> })
                                .collect_view())
                        }}
                    </ul>
                </div>
                <ul class="sheet__pane sheet__pane--conflicts sheet__list" data-testid="conflicts">
                    {move || status.with(|s| s.conflicts.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view())}
                </ul>
                <ul class="sheet__pane sheet__pane--phone sheet__list" data-testid="phone">
                    {move || status.with(|s| s.phone.iter().map(|p| view! {
                        <li><b class="phone__code">{p.code.clone()}</b>" "{p.text.clone()}</li>
                    }).collect_view())}
                </ul>
                <div class="sheet__pane sheet__pane--gate">
                    <p class="sheet__event" data-testid="event">{open.event}</p>
                    <p data-testid="gate">{open.gate}</p>
                    <p data-testid="tickets">{words::tickets_on_device(lang(), open.tickets)}</p>
                    <p class="desk__stats" data-testid="stats">{move || status.with(|s| s.stats.clone())}</p>
                    <StaffName status=status/>
                    <p class="desk__staff">{w().language}" " <LanguagePicker/></p>
                    {setting}
                </div>
            </section>
            {overlay}
            {move || verdict.get().map(|(seq, v)| view! {
                <div class="verdict" data-testid="verdict" data-tone=v.tone.slug()
                    data-seq=seq on:click=move |_| set_verdict.set(None)>
                    <p class="verdict__title" data-testid="verdict-title">{v.title}</p>
                    <p class="verdict__holder" data-testid="verdict-holder">{v.holder}</p>
                    <p class="verdict__type">{v.ticket_type}</p>
                    <p class="verdict__detail" data-testid="verdict-detail">{v.detail}</p>
                </div>
            })}
        </div>
    }
}

/// A verdict on screen and its number there (`data-seq`: a new verdict may replace one still
/// shown).
pub(crate) type Shown = Option<(u32, VerdictView)>;

/// The network is back (the browser's `online`, or Chrome's Background Sync relayed by the
/// service worker): the engine syncs at once, skipping its retry backoff.
pub(crate) fn background_sync() {
    let back_online = || {
        spawn_local(async {
            let _ = link::call(Request::Online).await;
        })
    };
    let online = window_event_listener(leptos::ev::online, move |_| back_online());
    on_cleanup(move || online.remove());
    let wake = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(back_online);
    let waker = camera::on_background_sync(&wake);
    StoredValue::new_local(wake); // dropped with this screen, right after it unregisters
    on_cleanup(move || camera::clear_background_sync(waker));
}

/// What the screen does after a decided scan (beyond showing the verdict): gets the verdict and
/// whether it was a PIN.
pub(crate) type AfterCheck = Rc<dyn Fn(&VerdictView, bool)>;

/// The one path for a scanned QR (`false`) and a typed PIN (`true`): the engine decides offline
/// and stores the record; then the verdict shows with its sound, and clears after a few seconds.
pub(crate) fn decider(
    kiosk: bool,
    set_verdict: WriteSignal<Shown>,
    set_problem: WriteSignal<Option<String>>,
    after: AfterCheck,
) -> Rc<dyn Fn(String, bool)> {
    let shown = Rc::new(Cell::new(0u32));
    Rc::new(move |text: String, is_pin: bool| {
        let (shown, after) = (shown.clone(), after.clone());
        spawn_local(async move {
            match link::call(Request::Check { text, pin: is_pin, kiosk }).await {
                Ok(Answer::Verdict(view)) => {
                    let n = shown.get() + 1;
                    shown.set(n);
                    camera::feedback(view.tone.slug());
                    set_problem.try_set(None);
                    let pending = view.pending;
                    after(&view, is_pin);
                    set_verdict.try_set(Some((n, view)));
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
                    if pending > 0 {
                        camera::request_background_sync();
                    }
                }
                // Nothing was recorded, so nothing is shown as decided.
                Ok(_) => {
                    set_problem.try_set(Some(words::not_recorded(lang(), w().unexpected_answer)));
                }
                Err(e) => {
                    set_problem.try_set(Some(words::not_recorded(lang(), &e)));
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

/// A desk's staff PIN lock: whether the screen is locked, the lock screen, and its setting (in
/// the gate's details). The scanner page's desk has one ([`staff_lock`]); the kiosk's staff desk
/// none ([`no_lock`]: the kiosk has its exit PIN), so the kiosk module carries none of its code.
/// A Bluetooth or USB barcode scanner types the code and Enter: its burst is decided like a
/// camera scan, camera on or off, with no field to focus (`ingia_core::wedge` tells it from a
/// person by speed). A locked screen takes none; what is typed into a field (the PIN, the
/// search) is the person's.
fn hardware_scanner(locked: Signal<bool>, decide: Rc<dyn Fn(String, bool)>) {
    use ingia_core::wedge::{Key, Wedge};
    use wasm_bindgen::JsCast;
    let wedge = std::cell::RefCell::new(Wedge::new());
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if in_field || locked.get_untracked() {
            return;
        }
        let name = ev.key();
        let mut chars = name.chars();
        let key = match (chars.next(), chars.next()) {
            _ if name == "Enter" => Key::Enter,
            (Some(c), None) => Key::Char(c),
            _ => Key::Other,
        };
        if let Some(text) = wedge.borrow_mut().key(key, ev.time_stamp() as u64) {
            ev.prevent_default();
            decide(text, false);
        }
    });
    on_cleanup(move || keys.remove());
}

pub struct LockParts {
    pub locked: Signal<bool>,
    pub overlay: AnyView,
    pub setting: AnyView,
}

pub fn no_lock(_: ReadSignal<Status>) -> LockParts {
    LockParts { locked: Signal::stored(false), overlay: ().into_any(), setting: ().into_any() }
}

pub fn staff_lock(status: ReadSignal<Status>) -> LockParts {
    // Locked from the start: a gate whose lock is set opens locked (a reload does not skip it);
    // the lock shows only while the engine says one is set.
    let (locked, set_locked) = signal(true);
    let locked = Signal::derive(move || locked.get() && status.with(|s| s.lock_minutes > 0));
    idle_lock(status, locked, set_locked);
    LockParts {
        locked,
        overlay: view! { {move || locked.get().then(|| view! { <Lock set_locked=set_locked/> })} }.into_any(),
        setting: view! { <LockSetting status=status set_locked=set_locked/> }.into_any(),
    }
}

/// The staff PIN lock locks again after its idle minutes without a touch (typing starts with one).
fn idle_lock(status: ReadSignal<Status>, locked: Signal<bool>, set_locked: WriteSignal<bool>) {
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    let touched = last.clone();
    let seen = window_event_listener(leptos::ev::pointerdown, move |_| touched.set(js_sys::Date::now()));
    on_cleanup(move || seen.remove());
    crate::page::use_interval(Duration::from_secs(5), move || {
        let minutes = status.with_untracked(|s| s.lock_minutes);
        if minutes > 0 && !locked.get_untracked() && js_sys::Date::now() - last.get() >= f64::from(minutes) * 60_000.0 {
            set_locked.set(true);
        }
    });
}

/// The locked screen: the staff PIN opens it (the engine checks it; wrong tries lock it out).
#[component]
fn Lock(set_locked: WriteSignal<bool>) -> impl IntoView {
    let (typed, set_typed) = signal(String::new());
    let (why, set_why) = signal(String::new());
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pin = typed.get_untracked();
        spawn_local(async move {
            match link::call(Request::Exit { pin }).await {
                Ok(Answer::Done) => {
                    set_locked.try_set(false);
                }
                Ok(Answer::Refused(w)) | Err(w) => {
                    set_why.try_set(w);
                }
                Ok(_) => {}
            }
            set_typed.try_set(String::new());
        });
    };
    view! {
        <form class="lock" data-testid="lock" on:submit=unlock>
            <h2>{w().locked}</h2>
            <label for="lock-pin">{w().staff_pin}</label>
            <input id="lock-pin" data-testid="lock-pin" type="password" inputmode="numeric" autocomplete="off"
                prop:value=move || typed.get() on:input=move |ev| set_typed.set(event_target_value(&ev))/>
            <button class="shell__button" type="submit">{w().unlock}</button>
            <p role="alert" data-testid="lock-message">{move || why.get()}</p>
        </form>
    }
}

/// Setting the lock: the staff PIN and the idle minutes (or off).
#[component]
fn LockSetting(status: ReadSignal<Status>, set_locked: WriteSignal<bool>) -> impl IntoView {
    let (pin, set_pin) = signal(String::new());
    let (minutes, set_minutes) = signal(String::from("5"));
    let (note, set_note) = signal(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pin = pin.get_untracked();
        let minutes = minutes.get_untracked().trim().parse::<u8>().unwrap_or(0).min(60);
        spawn_local(async move {
            let result = link::call(Request::SetLock { pin, minutes }).await;
            // Whoever set the lock is holding the phone: it starts counting from now.
            set_locked.try_set(false);
            set_note.try_set(result.err().unwrap_or_default());
            set_pin.try_set(String::new());
        });
    };
    view! {
        <form class="desk__staff" data-testid="lock-setting" on:submit=save>
            <p data-testid="lock-state">{move || words::lock_state(lang(), status.with(|s| s.lock_minutes))}</p>
            <label for="lock-minutes">{w().lock_after}</label>
            <input id="lock-minutes" data-testid="lock-minutes" type="number" inputmode="numeric" min="0" max="60"
                prop:value=move || minutes.get() on:input=move |ev| set_minutes.set(event_target_value(&ev))/>
            <label for="lock-new-pin">{w().staff_pin}</label>
            <input id="lock-new-pin" data-testid="lock-new-pin" type="password" inputmode="numeric" autocomplete="off"
                prop:value=move || pin.get() on:input=move |ev| set_pin.set(event_target_value(&ev))/>
            <button class="desk__small" type="submit">{w().set}</button>
            <span role="alert">{move || note.get()}</span>
        </form>
    }
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
        Rc::new(move |text: String| match ingia_core::pairing::code_in(&text) {
            Some(code) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&["/pair#", code].concat());
                }
            }
            None => set_note.set(w().not_a_pairing_code.into()),
        }),
    );
    view! {
        <button class="shell__button" data-testid="scan-pairing" on:click=move |_| set_on.set(true)>
            {w().scan_pairing_qr}
        </button>
        <div style:display=move || if on.get() { "block" } else { "none" }>
            {camera::scan_view(video)}
        </div>
        <p class="scan__state">{move || if on.get() { camera::prompt(state.get()) } else { "" }}</p>
        <p role="alert" data-testid="pairing-note">{move || note.get()}</p>
    }
}

/// "Scanning as NAME": the name every record of this device carries, changed in place.
#[component]
fn StaffName(status: ReadSignal<Status>) -> impl IntoView {
    let (typed, set_typed) = signal(None::<String>);
    let (problem, set_problem) = signal(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(wanted) = typed.get_untracked() else { return };
        spawn_local(async move {
            let result = link::call(Request::SetStaff { name: wanted }).await;
            set_problem.try_set(result.err().unwrap_or_default());
            set_typed.try_set(None);
        });
    };
    view! {
        <form class="desk__staff" on:submit=save>
            <p>{w().scanning_as} " " <strong data-testid="staff">{move || status.with(|s| s.staff.clone())}</strong></p>
            <label for="staff-name">{w().your_name}</label>
            <input id="staff-name" data-testid="staff-name" autocomplete="name" maxlength=ingia_core::STAFF_NAME_MAX.to_string()
                prop:value=move || typed.get().unwrap_or_else(|| status.with(|s| s.staff.clone()))
                on:input=move |ev| set_typed.set(Some(event_target_value(&ev)))/>
            <button class="desk__small" type="submit">{w().save}</button>
            <span role="alert">{move || problem.get()}</span>
        </form>
    }
}
