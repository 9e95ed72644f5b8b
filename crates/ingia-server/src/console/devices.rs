//! A supervisor's devices page: pair a phone by showing its QR on screen, and the device list
//! (name, gate, role, staff, last contact, records synced) with rename, move and revoke.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use ingia_core::access::Need;
use ingia_core::{DeviceId, EventId, GateId, Role};
use maud::{html, PreEscaped};

use super::accounts;
use super::html::{csrf, event_tabs, isolated, lang, page, t, Frame, Tab};
use super::when::{self, zone};
use super::{see, Answer, Member, Post};
use crate::api::AppState;
use crate::devices::{self, DeviceState};
use crate::error::Error;
use crate::events;
use crate::util::now_ms;
use ingia_core::i18n::fill;

fn role_name(r: Role) -> &'static str {
    let t = t();
    match r {
        Role::Steward => t.device_steward,
        Role::Supervisor => t.device_supervisor,
        Role::Kiosk => t.device_kiosk,
    }
}

/// "3 min ago" for a recent contact, the time itself for an older one.
fn contact(at: Option<u64>, now: u64, tz: &jiff::tz::TimeZone) -> String {
    let w = t();
    match at {
        None => w.never.into(),
        Some(t) if now.saturating_sub(t) < 60_000 => w.just_now.into(),
        Some(t) if now.saturating_sub(t) < 3_600_000 => {
            fill(w.minutes_ago, &[("n", &(now.saturating_sub(t) / 60_000).to_string())])
        }
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
    let gate_name = |g: GateId| header.gate(g).map(|g| g.name.clone()).unwrap_or_else(|| format!("#{}", g.0));
    let t = t();
    let body = html! {
        (event_tabs(event, &m, Tab::Devices))
        section.notice {
            h2 { (t.pair_phone) }
            form.row method="post" action={ "/console/events/" (event.0) "/devices" } {
                (csrf(&s))
                label { (t.gate) select name="gate" { @for g in &header.gates { option value=(g.id.0) { (g.name) } } } }
                label { (t.role) select name="role" { @for r in Role::ALL { option value=(r.slug()) { (role_name(*r)) } } } }
                label { (t.valid_hours) input type="number" name="hours" value="12" min="1" max="168" required; }
                button type="submit" { (t.show_pairing_qr) }
            }
        }
        h2 { (t.tab_devices) }
        @if list.is_empty() { p.muted { (t.no_devices) } }
        ul.cards.devices {
            @for d in &list {
                li data-device=(d.device.0) {
                    strong { "#" (d.device.0) " " (if d.name.is_empty() { t.no_name } else { d.name.as_str() }) }
                    " " span.badge { (match d.state {
                        DeviceState::Waiting { .. } => t.waiting_to_pair,
                        DeviceState::Expired => t.pairing_expired,
                        DeviceState::Paired => t.paired,
                        DeviceState::Revoked => t.revoked,
                    }) }
                    br;
                    (fill(t.role_at_gate, &[("role", role_name(d.role)), ("gate", &gate_name(d.gate))]))
                    @if let Some(staff) = &d.staff { " · " (fill(t.staff_is, &[("staff", staff)])) }
                    br;
                    span.muted.contact {
                        (fill(t.last_contact, &[("when", &contact(d.last_seen_at, now, &tz))]))
                        " · " (fill(lang().plural(t.records_synced, d.synced), &[("n", &d.synced.to_string())]))
                    }
                    @if let Some(p) = d.pending { " " span.muted.pending { "· " (fill(t.not_yet_synced, &[("n", &p.to_string())])) } }
                    @if let Some(b) = &d.app_build { " " span.muted { "· " (fill(t.app_build, &[("build", b)])) } }
                    @if let DeviceState::Waiting { expires_at } = d.state {
                        br; span.muted { (fill(t.pairing_valid_until, &[("when", &when::show_ms(expires_at, &tz))])) }
                    }
                    @if !matches!(d.state, DeviceState::Revoked | DeviceState::Expired) {
                        div.row {
                            form.row method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/rename" } {
                                (csrf(&s))
                                input name="name" value=(d.name) maxlength="60" aria-label=(fill(t.name_of_device, &[("n", &d.device.0.to_string())]));
                                button type="submit" { (t.rename) }
                            }
                            @if d.state == DeviceState::Paired && header.gates.len() > 1 {
                                form.row method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/move" } {
                                    (csrf(&s))
                                    select name="gate" aria-label=(fill(t.new_gate_of_device, &[("n", &d.device.0.to_string())])) {
                                        @for g in header.gates.iter().filter(|g| g.id != d.gate) { option value=(g.id.0) { (g.name) } }
                                    }
                                    button type="submit" { (t.move_device) }
                                }
                            }
                            form method="post" action={ "/console/events/" (event.0) "/devices/" (d.device.0) "/revoke" }
                                data-confirm=(fill(t.revoke_device_confirm, &[("n", &d.device.0.to_string())])) {
                                (csrf(&s))
                                button.danger type="submit" { (t.revoke) }
                            }
                        }
                    }
                }
            }
        }
    };
    let frame = Frame {
        title: &fill(t.devices_of, &[("event", &isolated(&header.event.name))]),
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
    let t = t();
    let body = html! {
        section.pairing {
            p { (fill(t.pair_instructions, &[("role", role_name(role)), ("gate", &gate_name)])) }
            div.qr id="pairing-qr" { (PreEscaped(inline_svg(&crate::util::qr_svg(&link)))) }
            p.muted { (fill(t.device_works_once, &[("n", &p.device.0.to_string()), ("when", &when::show_ms(p.expires_at, &tz))])) }
            details { summary { (t.link_instead) } input.copy readonly value=(link) aria-label=(t.pairing_link); }
            p { a.button href={ "/console/events/" (event.0) "/devices" } { (t.done) } }
        }
    };
    let frame = Frame {
        title: t.pair_phone,
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
