//! Kiosk self check-in (a kiosk-paired tablet, shown at `/kiosk`): full screen, the front
//! camera, a huge welcome or "please see staff", back to ready by itself, the screen kept on,
//! and an optional badge through the print dialog. Staff leave kiosk mode with a long press on
//! the top-left corner and their exit PIN (set on the tablet when kiosk mode first starts;
//! the engine keeps it as `ingia_core::staff`'s salted digest and locks after repeated wrong tries).

use std::rc::Rc;

use ingia_core::protocol::{Answer, Request, VerdictView};
use ingia_core::{Lang, Tone};
use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::page::camera::{self, CameraState, Facing, Scanner};
use crate::page::desk::{self, background_sync, decider, run_camera, GateDesk};
use crate::page::lang::{self, lang, w};
use crate::page::{link, qr, OpenGate};

/// The kiosk's own labels in the page's language (the visitor's, while one is chosen).
fn k() -> &'static ingia_core::KioskLabels {
    lang().kiosk()
}

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
pub fn Kiosk(open: OpenGate) -> impl IntoView {
    let event = open.event.clone();
    let event_lang = open.lang;
    let (stage, set_stage) = signal(Stage::Loading);
    let (typed, set_typed) = signal(String::new());
    let (message, set_message) = signal(String::new());
    spawn_local(async move {
        let set = matches!(link::call(Request::KioskPinIsSet).await, Ok(Answer::Flag(true)));
        set_stage.set(if set { Stage::Running } else { Stage::SetPin });
    });

    // The PIN is checked (and kept, as a salted digest) by the engine, which locks after
    // repeated wrong tries.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pin = typed.get_untracked();
        set_typed.set(String::new());
        let (request, next) = match stage.get_untracked() {
            Stage::SetPin => (Request::SetKioskPin { pin }, Stage::Running),
            Stage::ExitPrompt => (Request::Exit { pin }, Stage::Staff),
            _ => return,
        };
        spawn_local(async move {
            match link::call(request).await {
                Ok(Answer::Done) => {
                    set_message.set(String::new());
                    set_stage.set(next);
                }
                Ok(Answer::Refused(why)) => set_message.set(why),
                Ok(_) => set_message.set(w().unexpected_answer.into()),
                Err(e) => set_message.set(e),
            }
        });
    };

    view! {
        {move || match stage.get() {
            Stage::Loading => view! { <p>{k().kiosk_starting}</p> }.into_any(),
            Stage::Staff => view! {
                <button class="shell__button kiosk__resume" data-testid="kiosk-resume" on:click=move |_| set_stage.set(Stage::Running)>
                    {k().kiosk_back}
                </button>
                <GateDesk open=open.clone() lock=desk::no_lock/>
            }.into_any(),
            Stage::SetPin | Stage::ExitPrompt => view! {
                <form class="kiosk__pin" on:submit=submit>
                    <label for="kiosk-pin">{if stage.get() == Stage::SetPin { k().kiosk_set_pin } else { k().kiosk_exit_pin }}</label>
                    <input id="kiosk-pin" data-testid="kiosk-pin" type="password" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input=move |ev| set_typed.set(event_target_value(&ev))/>
                    <button class="shell__button" type="submit">{k().ok}</button>
                    {(stage.get() == Stage::ExitPrompt).then(|| view! {
                        <button class="shell__button" type="button" on:click=move |_| set_stage.set(Stage::Running)>{k().cancel}</button>
                    })}
                    <p role="alert" data-testid="kiosk-message">{move || message.get()}</p>
                </form>
            }.into_any(),
            Stage::Running => view! {
                <KioskScreen event=event.clone() event_lang=event_lang on_exit=move || set_stage.set(Stage::ExitPrompt)/>
            }.into_any(),
        }}
    }
}

/// The attendee-facing screen: in the event's language, or the one its visitor picks on the
/// ready screen (each named in itself) until the verdict clears.
#[component]
fn KioskScreen(event: String, event_lang: Lang, on_exit: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let (verdict, set_verdict) = signal(None::<(u32, VerdictView)>);
    lang::visit(event_lang);
    let (visitor, set_visitor) = signal(event_lang);
    // A verdict cleared: the next visitor starts in the event's language.
    Effect::new(move |was_shown: Option<bool>| {
        let shown = verdict.with(Option::is_some);
        if was_shown == Some(true) && !shown && visitor.get_untracked() != event_lang {
            lang::visit(event_lang);
            set_visitor.set(event_lang);
        }
        shown
    });
    let (problem, set_problem) = signal(None::<String>);
    let (badge, set_badge) = signal(None::<Badge>);
    let (camera_state, set_camera_state) = signal(CameraState::Stopped);
    let video = NodeRef::<Video>::new();
    let scanner = StoredValue::new_local(None::<Scanner>);
    background_sync();
    let decide = decider(
        true,
        set_verdict,
        set_problem,
        Rc::new(move |v: &VerdictView, _| {
            // An admitted QR comes back with its badge's code (the ticket's signed credential).
            if let Some(code) = &v.badge {
                set_badge.set(Some(Badge {
                    holder: v.holder.clone(),
                    ticket_type: v.ticket_type.clone(),
                    qr: qr::svg(code).unwrap_or_default(),
                }));
            }
        }),
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
            <button class="kiosk__corner" aria-label=move || { visitor.track(); k().kiosk_staff } data-testid="kiosk-corner"
                on:pointerdown=press on:pointerup=release on:pointercancel=release></button>
            <h2 class="kiosk__event">{event}</h2>
            <div class="kiosk__camera">{camera::scan_view(video)}</div>
            <p class="kiosk__prompt" data-testid="kiosk-prompt">{move || { visitor.track(); match camera_state.get() {
                CameraState::Denied | CameraState::Unavailable => k().kiosk_no_camera,
                _ => k().kiosk_prompt,
            }}}</p>
            <div class="kiosk__langs" role="group" data-testid="kiosk-langs">
                {Lang::ALL.map(|l| view! {
                    <button class="kiosk__lang" lang=l.tag() aria-pressed=move || (visitor.get() == l).to_string()
                        on:click=move |_| { lang::visit(l); set_visitor.set(l); }>{l.name()}</button>
                })}
            </div>
            <p role="alert">{move || problem.get().unwrap_or_default()}</p>
            {move || verdict.get().map(|(seq, v)| {
                // The engine wrote the kiosk's words (a greeting by name, or "see staff");
                // under the title a welcome shows the ticket type, a refusal whose ticket it was.
                let welcome = v.tone == Tone::Green;
                view! {
                    <div class="verdict verdict--kiosk" data-testid="verdict"
                        data-tone=v.tone.slug() data-seq=seq>
                        <p class="verdict__title" data-testid="verdict-title">{v.title.clone()}</p>
                        <p class="verdict__holder" data-testid="verdict-holder">{if welcome { v.ticket_type.clone() } else { v.holder.clone() }}</p>
                        <p class="verdict__detail" data-testid="verdict-detail">{v.detail.clone()}</p>
                        {welcome.then(|| view! {
                            <button class="shell__button kiosk__print" data-testid="print-badge"
                                on:click=|_| camera::print_page()>{k().print_badge}</button>
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
