//! Kiosk self check-in (a kiosk-paired tablet, shown at `/kiosk`): full screen, the front
//! camera, a huge welcome or "please see staff", back to ready by itself, the screen kept on,
//! and an optional badge through the print dialog. Staff leave kiosk mode with a long press on
//! the top-left corner and their exit PIN (set on the tablet when kiosk mode first starts;
//! `ingia_core::staff` keeps only a salted digest and locks after repeated wrong tries).

use std::rc::Rc;

use ingia_core::staff::{ExitGuard, ExitTry, StaffPin};
use ingia_core::{TicketToken, Tone, UnixMillis};
use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::camera::{self, tone_name, CameraState, Facing, Scanner};
use crate::desk::{background_sync, decider, run_camera, GateDesk, VerdictView};
use crate::device::clock;
use crate::gate::{Checked, Gate};
use crate::{gate, now_ms, qr};

/// How long the corner must be held to call the staff prompt.
const HOLD_MS: u64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Loading,
    SetPin,
    Running,
    ExitPrompt,
    Staff,
}

/// The last admitted attendee's badge (printed on demand).
#[derive(Debug, Clone, PartialEq)]
struct Badge {
    holder: String,
    ticket_type: String,
    qr: String,
}

#[component]
pub fn Kiosk(event: String) -> impl IntoView {
    let (stage, set_stage) = signal(Stage::Loading);
    let (typed, set_typed) = signal(String::new());
    let (message, set_message) = signal(String::new());
    let staff_pin = StoredValue::new_local(None::<StaffPin>);
    let guard = StoredValue::new_local(ExitGuard::default());
    spawn_local(async move {
        let stored = match gate() {
            Some(g) => g.store.kiosk_pin().await.ok().flatten(),
            None => None,
        };
        let next = if stored.is_some() { Stage::Running } else { Stage::SetPin };
        staff_pin.set_value(stored);
        set_stage.set(next);
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pin = typed.get_untracked();
        set_typed.set(String::new());
        match stage.get_untracked() {
            Stage::SetPin => {
                let salt: [u8; 16] = camera::random_bytes(16).try_into().unwrap_or([0; 16]);
                let Some(p) = StaffPin::new(&pin, salt) else {
                    set_message.set("The exit PIN must be 4 to 8 digits.".into());
                    return;
                };
                let Some(g) = gate() else { return };
                spawn_local(async move {
                    match g.store.set_kiosk_pin(&p).await {
                        Ok(()) => {
                            staff_pin.set_value(Some(p));
                            set_message.set(String::new());
                            set_stage.set(Stage::Running);
                        }
                        Err(e) => set_message.set(format!("Could not store the PIN: {e}")),
                    }
                });
            }
            Stage::ExitPrompt => {
                let outcome = staff_pin.with_value(|p| {
                    p.as_ref().map(|p| guard.try_update_value(|g| g.attempt(p, &pin, UnixMillis(now_ms()))))
                });
                match outcome.flatten() {
                    Some(ExitTry::Open) => {
                        set_message.set(String::new());
                        set_stage.set(Stage::Staff);
                    }
                    Some(ExitTry::Wrong { tries_left }) => {
                        set_message.set(format!("Wrong PIN ({tries_left} tries left)."))
                    }
                    Some(ExitTry::Locked(secs)) => set_message.set(format!("Too many wrong tries: wait {secs} s.")),
                    None => set_stage.set(Stage::Running),
                }
            }
            _ => {}
        }
    };

    view! {
        {move || match stage.get() {
            Stage::Loading => view! { <p>"Starting the kiosk…"</p> }.into_any(),
            Stage::Staff => view! {
                <button class="shell__button" data-testid="kiosk-resume" on:click=move |_| set_stage.set(Stage::Running)>
                    "Back to kiosk mode"
                </button>
                <GateDesk as_of=gate().map(|g| clock(g.synced_at())).unwrap_or_default()/>
            }.into_any(),
            Stage::SetPin | Stage::ExitPrompt => view! {
                <form class="kiosk__pin" on:submit=submit>
                    <label for="kiosk-pin">{if stage.get() == Stage::SetPin {
                        "Staff: choose the PIN that will unlock this kiosk (4 to 8 digits)"
                    } else {
                        "Staff PIN to leave kiosk mode"
                    }}</label>
                    <input id="kiosk-pin" data-testid="kiosk-pin" type="password" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input=move |ev| set_typed.set(event_target_value(&ev))/>
                    <button class="shell__button" type="submit">"OK"</button>
                    {(stage.get() == Stage::ExitPrompt).then(|| view! {
                        <button class="shell__button" type="button" on:click=move |_| set_stage.set(Stage::Running)>"Cancel"</button>
                    })}
                    <p role="alert" data-testid="kiosk-message">{move || message.get()}</p>
                </form>
            }.into_any(),
            Stage::Running => view! { <KioskScreen event=event.clone() on_exit=move || set_stage.set(Stage::ExitPrompt)/> }.into_any(),
        }}
    }
}

/// The attendee-facing screen.
#[component]
fn KioskScreen(event: String, on_exit: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let (verdict, set_verdict) = signal(None::<VerdictView>);
    let (problem, set_problem) = signal(None::<String>);
    let (badge, set_badge) = signal(None::<Badge>);
    let (camera_state, set_camera_state) = signal(CameraState::Stopped);
    let video = NodeRef::<Video>::new();
    let scanner = StoredValue::new_local(None::<Scanner>);
    let sync_now = background_sync(|_| {}, set_problem);
    let decide = decider(
        Some("kiosk"),
        set_verdict,
        set_problem,
        Rc::new(move |_: &Rc<Gate>, c: &Checked, text: &str, _| {
            if c.verdict.is_admit() {
                // The badge's code: the ticket's signed credential, for session scanners.
                let qr = TicketToken::parse(text)
                    .ok()
                    .and_then(|t| qr::svg(&t.signed.static_token().to_text()))
                    .unwrap_or_default();
                set_badge.set(Some(Badge {
                    holder: c.holder.clone().unwrap_or_default(),
                    ticket_type: c.ticket_type.clone().unwrap_or_default(),
                    qr,
                }));
            }
        }),
        sync_now,
    );
    let on_scan = decide.clone();
    run_camera(
        video,
        Signal::stored(true),
        Facing::Front,
        scanner,
        set_camera_state,
        Rc::new(move |t| on_scan(t, false)),
    );
    camera::keep_awake(true);
    on_cleanup(|| camera::keep_awake(false));

    // A long press on the corner calls the staff prompt.
    let pressed = StoredValue::new_local(None::<TimeoutHandle>);
    let press = move |_| {
        let on_exit = on_exit.clone();
        let handle = set_timeout_with_handle(on_exit, std::time::Duration::from_millis(HOLD_MS)).ok();
        pressed.set_value(handle);
    };
    let release = move |_| {
        if let Some(h) = pressed.try_update_value(Option::take).flatten() {
            h.clear();
        }
    };
    view! {
        <div class="kiosk" data-testid="kiosk" on:pointerdown=|_| camera::enter_fullscreen()>
            <button class="kiosk__corner" aria-label="Staff (hold)" data-testid="kiosk-corner"
                on:pointerdown=press on:pointerup=release on:pointercancel=release></button>
            <h2 class="kiosk__event">{event}</h2>
            <div class="scan scan--kiosk">
                <video class="scan__video" node_ref=video data-testid="camera" muted=true playsinline=true></video>
                <div class="scan__box" aria-hidden="true"></div>
            </div>
            <p class="kiosk__prompt">{move || match camera_state.get() {
                CameraState::Denied | CameraState::Unavailable => "The camera is not available: please see a member of staff",
                _ => "Hold your ticket's QR code up to the camera",
            }}</p>
            <p role="alert">{move || problem.get().unwrap_or_default()}</p>
            {move || verdict.get().map(|v| {
                let welcome = v.tone == Tone::Green;
                view! {
                    <div class=format!("verdict verdict--kiosk verdict--{}", tone_name(v.tone)) data-testid="verdict"
                        data-tone=tone_name(v.tone) data-seq=v.seq>
                        <p class="verdict__title" data-testid="verdict-title">
                            {if welcome { format!("Welcome, {}!", v.holder) } else { v.title.clone() }}
                        </p>
                        <p class="verdict__holder" data-testid="verdict-holder">{if welcome { v.ticket_type.clone() } else { v.holder.clone() }}</p>
                        <p class="verdict__detail" data-testid="verdict-detail">
                            {if welcome { String::new() } else { "Please see a member of staff".to_string() }}
                        </p>
                        {welcome.then(|| view! {
                            <button class="shell__button kiosk__print" data-testid="print-badge"
                                on:click=|_| camera::print_page()>"Print my badge"</button>
                        })}
                    </div>
                }
            })}
            {move || badge.get().map(|b| view! {
                <div class="badge" data-testid="badge">
                    <p class="badge__name">{b.holder}</p>
                    <p class="badge__type">{b.ticket_type}</p>
                    <div class="badge__qr" inner_html=b.qr></div>
                </div>
            })}
        </div>
    }
}
