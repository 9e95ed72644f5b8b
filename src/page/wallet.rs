//! The attendee's wallet (route `/wallet`, opened by the private link `tickets issue` wrote):
//! the ticket is fetched once and kept in IndexedDB; from then on the page shows it with no
//! network: a large QR code re-drawn every step with the current rotating code (the logic is
//! `ingia_core::wallet`), a countdown, the event, the holder, the type and the PIN. Several
//! tickets can live on one phone.

use std::time::Duration;

use ingia_core::wallet::{WalletAnswer, WalletTicket};
use ingia_core::Ways;
use js_sys::Reflect;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::io::clock::now_ms;
use crate::io::net::{self, field_f64, field_str};
use crate::io::store::{Store, DB_NAME};
use crate::page::lang::{self, lang, LanguagePicker};
use crate::page::{qr, use_interval};
use ingia_core::i18n::fill;

/// The wallet's labels in the page's language.
fn wl() -> &'static ingia_core::WalletLabels {
    lang().wallet()
}

/// Fetches the ticket behind a wallet link (the server's `WalletAnswer`) and keeps it.
async fn fetch_ticket(store: &Store, token: &str) -> Result<WalletTicket, String> {
    let body = net::object(&[("token", JsValue::from_str(token))]);
    let sent_at = now_ms();
    let v = net::post_json("/api/wallet", None, &body).await.map_err(|e| e.to_string())?;
    let received_at = now_ms();
    let text = |k: &str| field_str(&v, k).ok_or_else(|| format!("the server's answer lacks `{k}`"));
    let number = |k: &str| field_f64(&v, k).ok_or_else(|| format!("the server's answer lacks `{k}`"));
    let answer = WalletAnswer {
        event_id: text("event_id")?,
        event_name: text("event_name")?,
        venue: text("venue")?,
        starts_at: number("starts_at")? as u64,
        ends_at: number("ends_at")? as u64,
        time_zone: text("time_zone")?,
        ticket_id: number("ticket_id")? as u32,
        holder: text("holder")?,
        ticket_type: text("ticket_type")?,
        status: text("status")?,
        credential: text("credential")?,
        code_secret: text("code_secret")?,
        code_step_secs: number("code_step_secs")? as u32,
        pin: text("pin")?,
        ways: {
            let ways = net::field_object(&v, "ways").ok_or("the server's answer lacks `ways`")?;
            let way =
                |k: &str| net::field_bool(&ways, k).ok_or_else(|| format!("the server's answer lacks `ways.{k}`"));
            Ways { printed: way("printed")?, pin: way("pin")?, phone: way("phone")? }
        },
        server_time: number("server_time")? as u64,
        lang: field_str(&v, "lang").unwrap_or_default(),
    };
    // The answer left the server halfway through the round trip.
    let ticket = answer.into_ticket((sent_at + received_at) / 2).map_err(|e| e.to_string())?;
    store.put_wallet_ticket(&ticket).await.map_err(|e| e.to_string())?;
    Ok(ticket)
}

/// Opens the link in the URL (if any), then lists every ticket on this phone.
async fn load() -> Result<Vec<WalletTicket>, String> {
    let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let token = hash.trim_start_matches('#');
    let fetched = if token.is_empty() { Ok(()) } else { fetch_ticket(&store, token).await.map(drop) };
    if fetched.is_ok() {
        // The link is a secret: it leaves the address bar and the history.
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some("/wallet"));
        }
    }
    let tickets = store.wallet_tickets().await.map_err(|e| e.to_string())?;
    store.close();
    match fetched {
        // Offline with the ticket already here: show it; otherwise say why nothing shows.
        Err(e) if tickets.is_empty() => Err(fill(wl().wallet_failed, &[("why", &e)])),
        _ => Ok(tickets),
    }
}

/// When the event starts, in the reader's language through the browser's `Intl` and in the
/// event's own time zone (an attendee travelling, or a phone set
/// to another zone, still sees the venue's time); in the phone's zone if the browser does not
/// know the event's.
fn starts(t: &WalletTicket) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(t.starts_at as f64 * 1000.0));
    let format = |zone: Option<&str>| {
        let mut options = vec![("dateStyle", "full".into()), ("timeStyle", "short".into())];
        options.extend(zone.map(|z| ("timeZone", JsValue::from_str(z))));
        // `toLocaleString` throws a RangeError for a zone it does not know: caught, not a trap.
        let to_locale = Reflect::get(&d, &"toLocaleString".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        let args = js_sys::Array::of2(&lang().tag().into(), &net::object(&options));
        Reflect::apply(&to_locale, &d, &args).ok()?.as_string()
    };
    format(Some(&t.time_zone)).or_else(|| format(None)).unwrap_or_default()
}

/// What a ticket shows at one moment (changes once a step).
#[derive(Clone, Debug, PartialEq)]
struct Face {
    svg: String,
    step: u32,
}

/// A ticket's status as the wallet says it (`None`: active).
fn status(s: &str) -> Option<&'static str> {
    match s {
        "refunded" => Some(wl().status_refunded),
        "revoked" => Some(wl().status_revoked),
        "blocked" => Some(wl().status_blocked),
        _ => None,
    }
}

fn face(t: &WalletTicket, step: u32) -> Face {
    Face { svg: qr::svg(&t.pass.token_for_step(step).to_text()).unwrap_or_default(), step }
}

#[component]
pub fn WalletPage() -> impl IntoView {
    let (tickets, set_tickets) = signal(None::<Result<Vec<WalletTicket>, String>>);
    let (now, set_now) = signal(now_ms());
    let (full, set_full) = signal(None::<u32>);
    let open = move || {
        spawn_local(async move {
            let loaded = load().await;
            // The wallet speaks the attendee's language (unless this phone chose one).
            if let Some(l) = loaded.as_ref().ok().and_then(|list| list.first()).and_then(|t| t.lang) {
                lang::prefer(l);
            }
            set_tickets.try_set(Some(loaded));
        })
    };
    open();
    // Another ticket's link opened in this same page.
    let link = window_event_listener(leptos::ev::hashchange, move |_| open());
    on_cleanup(move || link.remove());
    use_interval(Duration::from_millis(500), move || set_now.set(now_ms()));
    // Each ticket's current step, every tick (cheap); the codes and their QR are made only when
    // a step turns or the list changes.
    let steps = Memo::new(move |_| {
        let n = now.get();
        tickets.with(|t| match t {
            Some(Ok(list)) => list.iter().map(|t| t.pass.step_at(t.server_now(n))).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let faces = Memo::new(move |_| {
        let steps = steps.get();
        tickets.with(|t| match t {
            Some(Ok(list)) => list.iter().zip(steps).map(|(t, step)| face(t, step)).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    view! {
        <main class="wallet">
            <header class="shell__bar">
                <h1 class="shell__title">"Ingia · " {move || { tickets.track(); wl().wallet_title }}</h1>
                {move || { tickets.track(); view! { <LanguagePicker/> } }}
            </header>
            {move || match tickets.get() {
                None => view! { <p class="wallet__note">{wl().wallet_opening}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="wallet__note" role="alert" data-testid="wallet-error">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="wallet__note">{wl().wallet_none}</p>
                }.into_any(),
                Some(Ok(list)) => list.into_iter().enumerate().map(|(i, t)| {
                    let id = t.ticket_id;
                    let step_secs = t.pass.step_secs;
                    let label = fill(wl().wallet_qr, &[("holder", &t.holder), ("n", &step_secs.to_string())]);
                    let countdown = {
                        let t = t.clone();
                        move || (t.pass.ms_until_change(t.server_now(now.get())) / 1000 + 1).to_string()
                    };
                    let svg = move || faces.with(|f| f.get(i).map(|f| f.svg.clone()).unwrap_or_default());
                    let step = move || faces.with(|f| f.get(i).map(|f| f.step).unwrap_or_default());
                    view! {
                        <article class="wallet__card" data-testid="wallet-ticket">
                            <h2 data-testid="wallet-event">{t.event_name.clone()}</h2>
                            <p>{starts(&t)} " · " {t.venue.clone()}</p>
                            <div class="wallet__qr" role="img" aria-label=label data-testid="wallet-qr" data-step=step
                                inner_html=svg on:click=move |_| set_full.set(Some(id))></div>
                            <p class="wallet__countdown" aria-hidden="true" data-testid="wallet-countdown">
                                {move || fill(wl().wallet_countdown, &[("n", &countdown())])}
                            </p>
                            <p class="wallet__holder" data-testid="wallet-holder">{t.holder.clone()}</p>
                            <p>{t.ticket_type.clone()} {status(&t.status).map(|s| format!(" · {s}"))}</p>
                            {t.pin_label(lang()).map(|label| view! {
                                <p>{label} ": " <strong data-testid="wallet-pin">{t.pin.clone()}</strong></p>
                            })}
                            {move || (full.get() == Some(id)).then(|| view! {
                                <div class="wallet__full" role="img" aria-label=wl().wallet_enlarged
                                    inner_html=svg on:click=move |_| set_full.set(None)></div>
                            })}
                        </article>
                    }
                }).collect_view().into_any(),
            }}
        </main>
    }
}
