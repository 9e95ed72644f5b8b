//! A supervisor's devices page: pair a phone by showing its QR on screen, and the device list
//! (name, gate, role, staff, last contact, records synced) with rename, move and revoke.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use ingia_core::access::Need;
use ingia_core::{DeviceId, EventId, GateId, Role};
use maud::{html, PreEscaped};

use super::accounts;
use super::html::{csrf, event_tabs, page, Frame};
use super::when::{self, zone};
use super::{see, Answer, Member, Post};
use crate::api::AppState;
use crate::devices::{self, DeviceState};
use crate::error::Error;
use crate::events;
use crate::util::now_ms;

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Steward => "Steward",
        Role::Supervisor => "Supervisor",
        Role::Kiosk => "Kiosk",
    }
}

/// "3 min ago" for a recent contact, the time itself for an older one.
fn contact(at: Option<u64>, now: u64, tz: &jiff::tz::TimeZone) -> String {
    match at {
        None => "never".into(),
        Some(t) if now.saturating_sub(t) < 60_000 => "just now".into(),
        Some(t) if now.saturating_sub(t) < 3_600_000 => format!("{} min ago", now.saturating_sub(t) / 60_000),
        Some(t) => when::show_ms(t, tz),
    }
}

pub async fn list_page(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, s.account, event, Need::Operate).await?;
    let (header, _) = events::load_header(&state.db, event).await?;
    let tz = zone(&header.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = now_ms();
    let list = devices::list(&state.db, event, now).await?;
    let gate_name = |g: GateId| header.gate(g).map(|g| g.name.clone()).unwrap_or_else(|| format!("gate {}", g.0));
    let body = html! {
        (event_tabs(event, &m, "Devices"))
        section.notice {
            h2 { "Pair a phone" }
            form.row method="post" action={ "/console/events/" (event.0) "/devices" } {
                (csrf(&s))
                label { "Gate" select name="gate" { @for g in &header.gates { option value=(g.id.0) { (g.name) } } } }
                label { "Role" select name="role" { @for r in Role::ALL { option value=(r.slug()) { (role_name(*r)) } } } }
                label { "Valid for (hours)" input type="number" name="hours" value="12" min="1" max="168" required; }
                button type="submit" { "Show its pairing QR" }
            }
        }
        h2 { "Devices" }
        @if list.is_empty() { p.muted { "No devices yet." } }
        ul.cards.devices {
            @for d in &list {
                li data-device=(d.device.0) {
                    strong { "#" (d.device.0) " " (if d.name.is_empty() { "(no name)" } else { d.name.as_str() }) }
                    " " span.badge { (match d.state {
                        DeviceState::Waiting { .. } => "waiting to pair",
                        DeviceState::Expired => "pairing expired",
                        DeviceState::Paired => "paired",
                        DeviceState::Revoked => "revoked",
                    }) }
                    br;
                    (role_name(d.role)) " at " (gate_name(d.gate))
                    @if let Some(staff) = &d.staff { " · staff: " (staff) }
                    br;
                    span.muted.contact { "Last contact: " (contact(d.last_seen_at, now, &tz)) " · " (d.synced) " records synced" }
                    @if let Some(p) = d.pending { " " span.muted.pending { "· " (p) " not yet synced" } }
                    @if let Some(b) = &d.app_build { " " span.muted { "· app " (b) } }
                    @if let DeviceState::Waiting { expires_at } = d.state {
                        br; span.muted { "Pairing link valid until " (when::show_ms(expires_at, &tz)) }
                    }
                    @if !matches!(d.state, DeviceState::Revoked | DeviceState::Expired) {
                        div.row {
                            form.row method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/rename" } {
                                (csrf(&s))
                                input name="name" value=(d.name) maxlength="60" aria-label={ "Name of device " (d.device.0) };
                                button type="submit" { "Rename" }
                            }
                            @if d.state == DeviceState::Paired && header.gates.len() > 1 {
                                form.row method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/move" } {
                                    (csrf(&s))
                                    select name="gate" aria-label={ "New gate of device " (d.device.0) } {
                                        @for g in header.gates.iter().filter(|g| g.id != d.gate) { option value=(g.id.0) { (g.name) } }
                                    }
                                    button type="submit" { "Move" }
                                }
                            }
                            form method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/revoke" }
                                data-confirm={ "Revoke device #" (d.device.0) "? Its next request is refused and it deletes the event's data." } {
                                (csrf(&s))
                                button.danger type="submit" { "Revoke" }
                            }
                        }
                    }
                }
            }
        }
    };
    let frame = Frame {
        title: &format!("Devices · {}", header.event.name),
        trail: vec![
            (m.org_name.clone(), "/console".into()),
            (header.event.name.clone(), format!("/console/events/{}", event.0)),
        ],
        session: Some(&s),
    };
    Ok(page(frame, body).into_response())
}

pub async fn pair(State(state): State<AppState>, Path(event): Path<u64>, headers: HeaderMap, post: Post) -> Answer {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, post.member.account, event, Need::Operate).await?;
    let f = &post.fields;
    let role = Role::from_slug(f.get("role")).ok_or_else(|| Error::BadRequest("choose a role".into()))?;
    let gate = devices::find_gate(&state.db, event, f.get("gate")).await?;
    let hours = f.get("hours").trim().parse::<u64>().ok().filter(|h| (1..=168).contains(h));
    let hours = hours.ok_or_else(|| Error::BadRequest("a pairing link is valid for 1 to 168 hours".into()))?;
    let p = devices::create_pairing(&state.db, &post.member.actor(), event, gate, role, hours * 3_600_000).await?;
    let link = ingia_core::pairing::link(&state.base_url(&headers), &p.code);
    let (header, _) = events::load_header(&state.db, event).await?;
    let tz = zone(&header.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let gate_name = header.gate(gate).map(|g| g.name.clone()).unwrap_or_default();
    let body = html! {
        section.pairing {
            p { "Open Ingia on the phone and point it at this code. It pairs as a " (role_name(role).to_lowercase()) " at " (gate_name) "." }
            div.qr id="pairing-qr" { (PreEscaped(inline_svg(&crate::util::qr_svg(&link)))) }
            p.muted { "Device #" (p.device.0) " · works once, until " (when::show_ms(p.expires_at, &tz)) }
            details { summary { "The link, to send instead" } input.copy readonly value=(link) aria-label="Pairing link"; }
            p { a.button href={ "/console/events/" (event.0) "/devices" } { "Done" } }
        }
    };
    let frame = Frame {
        title: "Pair a phone",
        trail: vec![
            (m.org_name.clone(), "/console".into()),
            (header.event.name.clone(), format!("/console/events/{}/devices", event.0)),
        ],
        session: Some(&post.member),
    };
    Ok(page(frame, body).into_response())
}

/// The SVG without its XML declaration, to sit inside the page.
pub(super) fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

pub async fn rename(State(state): State<AppState>, Path((event, device)): Path<(u64, u32)>, post: Post) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, post.member.account, event, Need::Operate).await?;
    devices::rename(&state.db, &post.member.actor(), event, DeviceId(device), post.fields.get("name")).await?;
    Ok(see(format!("/console/events/{}/devices", event.0)))
}

pub async fn move_to(State(state): State<AppState>, Path((event, device)): Path<(u64, u32)>, post: Post) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, post.member.account, event, Need::Operate).await?;
    let gate = post.fields.get("gate").parse::<u8>().map_err(|_| Error::BadRequest("choose a gate".into()))?;
    devices::move_to(&state.db, &post.member.actor(), event, DeviceId(device), GateId(gate)).await?;
    Ok(see(format!("/console/events/{}/devices", event.0)))
}

pub async fn revoke(State(state): State<AppState>, Path((event, device)): Path<(u64, u32)>, post: Post) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, post.member.account, event, Need::Operate).await?;
    devices::revoke(&state.db, &post.member.actor(), event, DeviceId(device)).await?;
    Ok(see(format!("/console/events/{}/devices", event.0)))
}
