//! The gate's screen: the camera scanner, manual PIN entry, the full-screen verdict (with sound
//! and vibration), the sync status and the conflicts list. Every decision is `Gate::check`, the
//! same for a QR and a PIN; this file only shows what comes back.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ingia_core::{CheckIn, Movement, Presented, Refusal, ScanResult, TicketStatus, Tone, Verdict};
use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::camera::{self, tone_name, CameraState, Facing, Scanner};
use crate::device::clock;
use crate::gate::{headline, Checked, ConflictView, Found, Gate, GateStats, SyncCounts};
use crate::store::Role;
use crate::{gate, now_ms};

/// What the full-screen verdict shows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VerdictView {
    /// Counts the verdicts this screen showed (a new verdict may replace one still on screen).
    pub seq: u64,
    pub tone: Tone,
    pub title: String,
    pub holder: String,
    pub ticket_type: String,
    pub detail: String,
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
        seq: 0,
        tone,
        title,
        holder: c.holder.clone().unwrap_or_default(),
        ticket_type: c.ticket_type.clone().unwrap_or_default(),
        detail,
    }
}

/// Event data older than this gets a warning: revocations may be missing.
const STALE_AFTER_MS: u64 = 10 * 60_000;
/// How long a verdict stays on screen before the gate is ready for the next attendee.
pub(crate) const VERDICT_MS: u64 = 2_500;

fn counts_text(c: SyncCounts) -> String {
    format!("{} pending · {} synced · {} conflicts", c.pending, c.synced, c.conflicts)
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

fn camera_text(state: CameraState) -> &'static str {
    match state {
        CameraState::Starting => "Starting the camera…",
        CameraState::Running { .. } => "Hold the ticket's QR code inside the square",
        CameraState::Paused | CameraState::Stopped => "Camera off",
        CameraState::Denied => "Camera blocked: allow it in Chrome's site settings, or type the PIN below",
        CameraState::Unavailable => "No camera found: type the PIN below",
    }
}

fn stats_text(s: GateStats) -> String {
    format!("{} / {} checked in · {} at this gate", s.checked_in, s.total, s.this_gate)
}

/// Which recent scans the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Admitted,
    Refused,
}

/// Scans the recent list shows.
const RECENT: usize = 30;

fn recent_row(r: &CheckIn, holder: &str) -> (bool, String) {
    let what = match r.result {
        ScanResult::Admitted if r.movement == Movement::Exit => "Exit",
        ScanResult::Admitted => "Admitted",
        ScanResult::Refused(kind) => headline(kind),
    };
    let sep = if holder.is_empty() { "" } else { " · " };
    (matches!(r.result, ScanResult::Admitted), format!("{} · {what}{sep}{holder}", clock(r.at.0)))
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

/// The camera scanner, manual entry, the verdict and the sync status of an open gate.
#[component]
pub fn GateDesk(as_of: String) -> impl IntoView {
    let (pin, set_pin) = signal(String::new());
    let (as_of, set_as_of) = signal(as_of);
    let (stale_for, set_stale_for) = signal(None::<u64>);
    let (verdict, set_verdict) = signal(None::<VerdictView>);
    let (counts, set_counts) = signal(gate().map(|g| g.counts()).unwrap_or_default());
    let (conflicts, set_conflicts) = signal(Vec::<String>::new());
    let (stats, set_stats) = signal(gate().map(|g| g.stats()).unwrap_or_default());
    let (recent, set_recent) = signal(Vec::<(bool, String)>::new());
    let (filter, set_filter) = signal(Filter::All);
    let (query, set_query) = signal(String::new());
    let supervisor = gate().is_some_and(|g| g.pairing.role == Role::Supervisor);
    let (problem, set_problem) = signal(None::<String>);
    let (camera_state, set_camera_state) = signal(CameraState::Stopped);
    let (scanning, set_scanning) = signal(camera::camera_wanted());
    let (torch_on, set_torch_on) = signal(false);
    let video = NodeRef::<Video>::new();
    // Disposed with the desk: dropping the scanner stops the camera and the worker.
    let scanner = StoredValue::new_local(None::<Scanner>);

    let refresh = move |g: &Rc<Gate>| {
        set_counts.try_set(g.counts());
        set_stats.try_set(g.stats());
        set_conflicts.try_set(g.conflicts().iter().map(|c| conflict_text(c, g)).collect());
        let g = g.clone();
        spawn_local(async move {
            if let Ok(rows) = g.recent(RECENT).await {
                set_recent.try_set(rows.iter().map(|(r, holder)| recent_row(r, holder)).collect());
            }
        });
    };
    refresh_on_start(refresh);
    let sync_now = background_sync(
        move |g| {
            refresh(g);
            set_as_of.try_set(clock(g.synced_at()));
            let age = now_ms().saturating_sub(g.synced_at());
            set_stale_for.try_set((age > STALE_AFTER_MS).then_some(age / 60_000));
        },
        set_problem,
    );

    let decide = decider(
        None,
        set_verdict,
        set_problem,
        Rc::new(move |g: &Rc<Gate>, _: &Checked, _: &str, is_pin: bool| {
            if is_pin {
                set_pin.try_set(String::new());
            }
            refresh(g);
        }),
        sync_now.clone(),
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
    let found = move || {
        let q = query.get();
        stats.track(); // a scan changes who is inside
        gate().map(|g| g.search(&q, 8).into_iter().map(|f| (found_text(&f, &g), f.pin)).collect::<Vec<_>>())
    };
    let admit = StoredValue::new_local(decide.clone());
    let typed = decide.clone();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        typed(pin.get_untracked(), true);
    };
    view! {
        <p data-testid="as-of">{move || format!("Data as of {}", as_of.get())}</p>
        {move || stale_for.get().map(|min| view! {
            <p class="desk__stale" role="alert" data-testid="stale">
                {format!("No contact with the server for {min} min: refunds and revocations since then are unknown here.")}
            </p>
        })}
        <StaffName/>
        <p class="desk__stats" data-testid="stats">{move || stats_text(stats.get())}</p>
        <p class="desk__status" data-testid="sync-status">{move || counts_text(counts.get())}</p>
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
        <p role="alert" data-testid="problem">{move || problem.get().unwrap_or_default()}</p>
        <section class="desk__search">
            <label for="name-search">"Find by name"</label>
            <input id="name-search" data-testid="name-search" type="search" autocomplete="off"
                prop:value=move || query.get() on:input=move |ev| set_query.set(event_target_value(&ev))/>
            <ul data-testid="search-results">
                {move || found().unwrap_or_default().into_iter().map(|(text, pin)| {
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
            <div class=format!("verdict verdict--{}", tone_name(v.tone)) data-testid="verdict" data-tone=tone_name(v.tone)
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

/// Fills the lists once when the desk opens (the timer and each scan refresh them after).
fn refresh_on_start(refresh: impl Fn(&Rc<Gate>)) {
    if let Some(g) = gate() {
        refresh(&g);
    }
}

/// Pushes and pulls in the background: now, every 2 s, when the network returns and when Chrome's
/// Background Sync wakes the page. Returns "sync now" for after a scan.
pub(crate) fn background_sync(
    after: impl Fn(&Rc<Gate>) + Clone + 'static,
    set_problem: WriteSignal<Option<String>>,
) -> Rc<dyn Fn()> {
    let syncing = Rc::new(Cell::new(false));
    let sync_now: Rc<dyn Fn()> = Rc::new(move || {
        let Some(g) = gate() else { return };
        if syncing.replace(true) {
            return;
        }
        let (syncing, after) = (syncing.clone(), after.clone());
        spawn_local(async move {
            if let Err(e) = g.sync(&now_ms).await {
                set_problem.try_set(Some(e.to_string()));
            }
            after(&g);
            syncing.set(false);
        });
    });
    sync_now();
    let tick = sync_now.clone();
    if let Ok(handle) = set_interval_with_handle(move || tick(), Duration::from_secs(2)) {
        on_cleanup(move || handle.clear());
    }
    // The network is back: skip the backoff and sync now.
    let resync = sync_now.clone();
    let back_online: Rc<dyn Fn()> = Rc::new(move || {
        if let Some(g) = gate() {
            g.network_up(now_ms());
        }
        resync();
    });
    let online_now = StoredValue::new_local(back_online.clone());
    let online = window_event_listener(leptos::ev::online, move |_| online_now.with_value(|f| f()));
    on_cleanup(move || online.remove());
    // Chrome's Background Sync relayed by the service worker: Chrome saw the network come back.
    let wake = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || back_online());
    let waker = camera::on_background_sync(&wake);
    StoredValue::new_local(wake); // dropped with this screen, right after it unregisters
    on_cleanup(move || camera::clear_background_sync(waker));
    sync_now
}

/// What the screen does after a decided scan (beyond showing the verdict).
pub(crate) type AfterCheck = Rc<dyn Fn(&Rc<Gate>, &Checked, &str, bool)>;

/// The one path for a scanned QR (`false`) and a typed PIN (`true`): decide offline, store, then
/// show the verdict with its sound, and clear it after a few seconds.
pub(crate) fn decider(
    staff: Option<&'static str>,
    set_verdict: WriteSignal<Option<VerdictView>>,
    set_problem: WriteSignal<Option<String>>,
    after: AfterCheck,
    sync_now: Rc<dyn Fn()>,
) -> Rc<dyn Fn(String, bool)> {
    let shown = Rc::new(Cell::new(0u64));
    Rc::new(move |text: String, is_pin: bool| {
        let Some(g) = gate() else { return };
        let (shown, after, sync_now) = (shown.clone(), after.clone(), sync_now.clone());
        spawn_local(async move {
            let presented = if is_pin { Presented::Pin(&text) } else { Presented::Qr(&text) };
            let staff = staff.map_or_else(|| g.staff(), str::to_string);
            match g.check(presented, Movement::Entry, &staff, now_ms()).await {
                Ok(checked) => {
                    let n = shown.get() + 1;
                    shown.set(n);
                    let view = VerdictView { seq: n, ..verdict_view(&checked, &g) };
                    camera::feedback(view.tone);
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
                    // The verdict paints first; lists, counts and the push come after.
                    request_animation_frame(move || {
                        set_timeout(
                            move || {
                                after(&g, &checked, &text, is_pin);
                                sync_now();
                                if g.counts().pending > 0 {
                                    camera::request_background_sync();
                                }
                            },
                            Duration::ZERO,
                        )
                    });
                }
                // Nothing was recorded, so nothing is shown as decided.
                Err(e) => {
                    set_problem.try_set(Some(format!("Storage problem, scan not recorded: {e}")));
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
fn StaffName() -> impl IntoView {
    let (name, set_name) = signal(gate().map(|g| g.staff()).unwrap_or_default());
    let (editing, set_editing) = signal(false);
    let (typed, set_typed) = signal(String::new());
    let (problem, set_problem) = signal(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(g) = gate() else { return };
        let wanted = typed.get_untracked();
        spawn_local(async move {
            match g.set_staff(&wanted).await {
                Ok(()) => {
                    set_name.try_set(g.staff());
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
                <p class="desk__staff">"Scanning as " <strong data-testid="staff">{move || name.get()}</strong>
                    <button class="desk__small" data-testid="staff-change" on:click=move |_| {
                        set_typed.set(name.get_untracked());
                        set_editing.set(true);
                    }>"Change"</button>
                </p>
            }.into_any()
        }}
    }
}
