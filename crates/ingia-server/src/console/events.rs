//! The console's home (organizations and their events), an event's page, creating and editing
//! events, and the audit log.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ingia_core::access::Need;
use ingia_core::{EventId, Manifest, Ways};
use maud::{html, Markup};
use serde::Deserialize;

use super::accounts::{self, Session};
use super::html::{cannot_issue, csrf, event_tabs, page, problem, role_label, say, t, Frame, Tab};
use super::when::{self, input_value, parse_local, show, zone};
use super::{see, Answer, Fields, Member, Post};
use crate::api::AppState;
use crate::error::Error;
use crate::events::{self, NewEvent, TypeSpec};
use crate::util::now_ms;
use ingia_core::i18n::fill;

pub async fn home(State(state): State<AppState>, Member(s): Member) -> Answer {
    let orgs = accounts::memberships(&state.db, s.account).await?;
    let mut lists = Vec::new();
    for m in &orgs {
        lists.push(events::list_for_org(&state.db, m.org).await?);
    }
    let now = (now_ms() / 1000) as i64;
    let can_issue = state.keys.can_issue();
    let t = t();
    let body = html! {
        @if !can_issue && orgs.iter().any(|m| m.role.can(Need::Manage)) { (cannot_issue()) }
        @if orgs.is_empty() {
            p { (t.no_team) }
        }
        @for (m, list) in orgs.iter().zip(&lists) {
            section.org {
                h2 { (m.org_name) " " span.badge { (role_label(m.role)) } }
                nav.actions {
                    @if m.role.can(Need::Manage) {
                        @if can_issue { a.button href={ "/console/orgs/" (m.org) "/events/new" } { (t.new_event) } }
                        a href={ "/console/orgs/" (m.org) "/audit" } { (t.audit_log) }
                    }
                    @if m.role.can(Need::Members) {
                        a href={ "/console/orgs/" (m.org) "/members" } { (t.team) }
                        a href={ "/console/orgs/" (m.org) "/keys" } { (t.api_keys) }
                    }
                }
                @if list.is_empty() { p.muted { (t.no_events) } }
                ul.cards {
                    @for e in list {
                        li {
                            a.title href={ "/console/events/" (e.id.0) } { (e.name) }
                            " " span.badge { (phase(now, e.starts_secs, e.ends_secs)) }
                            br;
                            span.muted { (e.venue) " · " (zone(&e.time_zone).map(|tz| show(e.starts_secs, &tz)).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        form.signout-all method="post" action="/console/signout" {
            (csrf(&s))
            input type="hidden" name="everywhere" value="1";
            button.link type="submit" { (t.sign_out_everywhere) }
        }
    };
    Ok(page(Frame { title: t.your_events, trail: vec![], session: Some(&s) }, body).into_response())
}

fn phase(now: i64, starts: i64, ends: i64) -> &'static str {
    let t = t();
    if now < starts {
        t.upcoming
    } else if now <= ends {
        t.on_now
    } else {
        t.ended
    }
}

/// The form's values for an existing event.
fn fields_of(m: &Manifest) -> Fields {
    let tz = zone(&m.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut f = vec![
        ("name".to_string(), m.event.name.clone()),
        ("venue".into(), m.event.venue.clone()),
        ("time_zone".into(), m.event.time_zone.clone()),
        ("starts".into(), input_value(m.event.starts_at as i64, &tz)),
        ("ends".into(), input_value(m.event.ends_at as i64, &tz)),
        ("keep_hours".into(), m.event.keep_hours.to_string()),
        ("gates".into(), m.gates.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join("\n")),
    ];
    for (i, t) in m.ticket_types.iter().enumerate() {
        let gates: Vec<&str> =
            m.gates.iter().filter(|g| t.policy.gates.allows(g.id)).map(|g| g.name.as_str()).collect();
        let all = gates.len() == m.gates.len();
        f.push((format!("type_name_{i}"), t.name.clone()));
        for (way, open) in
            [("printed", t.policy.ways.printed), ("pin", t.policy.ways.pin), ("sms", t.policy.ways.phone)]
        {
            if open {
                f.push((format!("type_{way}_{i}"), "on".into()));
            }
        }
        if t.policy.reentry {
            f.push((format!("type_reentry_{i}"), "on".into()));
        }
        f.push((format!("type_gates_{i}"), if all { String::new() } else { gates.join(", ") }));
        f.push((format!("type_from_{i}"), input_value(i64::from(t.policy.valid_from), &tz)));
        f.push((format!("type_until_{i}"), input_value(i64::from(t.policy.valid_until), &tz)));
    }
    Fields(f)
}

fn blank_event() -> Fields {
    Fields(vec![
        ("time_zone".into(), "Africa/Lagos".into()),
        ("keep_hours".into(), "12".into()),
        ("capacity".into(), "5000".into()),
        ("gates".into(), t().default_gate.into()),
        ("type_name_0".into(), t().default_type.into()),
        ("type_pin_0".into(), "on".into()),
        ("type_sms_0".into(), "on".into()),
    ])
}

/// The event form's values -> the event; `existing` types keep their rows (no removal).
fn event_from(f: &Fields, existing_types: usize) -> Result<(NewEvent, u16), Error> {
    let tz = zone(f.get("time_zone"))?;
    let starts_secs = parse_local("start", f.get("starts"), &tz)?;
    let ends_secs = parse_local("end", f.get("ends"), &tz)?;
    let optional = |name: &str, what: &str, default: i64| -> Result<i64, Error> {
        match f.get(name).trim() {
            "" => Ok(default),
            v => parse_local(what, v, &tz),
        }
    };
    let doors_secs = optional("doors", "doors open", starts_secs - 3 * 3600)?;
    let close_secs = optional("close", "doors close", ends_secs + 3 * 3600)?;
    let gates: Vec<String> =
        f.get("gates").lines().map(str::trim).filter(|g| !g.is_empty()).map(String::from).collect();
    let mut types = Vec::new();
    for i in 0..255 {
        let key = format!("type_name_{i}");
        if !f.0.iter().any(|(k, _)| *k == key) {
            break;
        }
        let name = f.get(&key).trim();
        if name.is_empty() {
            if i < existing_types {
                return Err(Error::BadRequest(format!("ticket type {} needs a name (types cannot be removed)", i + 1)));
            }
            continue;
        }
        let window = match (f.get(&format!("type_from_{i}")).trim(), f.get(&format!("type_until_{i}")).trim()) {
            ("", "") => None,
            (from, until) => {
                let what = format!("`{name}` admits from");
                let from = if from.is_empty() { doors_secs } else { parse_local(&what, from, &tz)? };
                let what = format!("`{name}` admits until");
                let until = if until.is_empty() { close_secs } else { parse_local(&what, until, &tz)? };
                Some((from, until))
            }
        };
        types.push(TypeSpec {
            name: name.to_string(),
            ways: Ways {
                printed: f.has(&format!("type_printed_{i}")),
                pin: f.has(&format!("type_pin_{i}")),
                phone: f.has(&format!("type_sms_{i}")),
            },
            reentry: f.has(&format!("type_reentry_{i}")),
            gates: f
                .get(&format!("type_gates_{i}"))
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            window,
        });
    }
    let number = |name: &str, what: &str, max: u64| -> Result<u64, Error> {
        let v = f.get(name).trim();
        v.parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| Error::BadRequest(format!("{what} must be a whole number up to {max}")))
    };
    let keep_hours = number("keep_hours", "hours the gates keep the data", u64::from(u16::MAX))? as u16;
    let capacity = if f.has("capacity") { number("capacity", "capacity", 100_000)? as usize } else { 1 };
    let ev = NewEvent {
        name: f.get("name").to_string(),
        venue: f.get("venue").to_string(),
        starts_secs,
        ends_secs,
        time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
        doors_secs,
        close_secs,
        gates,
        types,
        capacity,
    };
    Ok((ev, keep_hours))
}

fn event_form(s: &Session, action: &str, f: &Fields, existing_types: usize, creating: bool) -> Markup {
    let rows = existing_types.max(1) + 2;
    let t = t();
    html! {
        form.stack.event method="post" action=(action) {
            (csrf(s))
            label { (t.f_name) input name="name" value=(f.get("name")) maxlength="120" required; }
            label { (t.f_venue) input name="venue" value=(f.get("venue")) maxlength="120" required; }
            label { (t.f_time_zone) input name="time_zone" value=(f.get("time_zone")) list="zones" required; }
            datalist id="zones" { @for z in when::zone_names() { option value=(z) {} } }
            div.pair {
                label { (t.f_starts) input type="datetime-local" name="starts" value=(f.get("starts")) required; }
                label { (t.f_ends) input type="datetime-local" name="ends" value=(f.get("ends")) required; }
            }
            @if creating {
                div.pair {
                    label { (t.f_doors) input type="datetime-local" name="doors" value=(f.get("doors")); }
                    label { (t.f_close) input type="datetime-local" name="close" value=(f.get("close")); }
                }
                label { (t.f_capacity_new) input type="number" name="capacity" min="1" max="100000" value=(f.get("capacity")) required; }
            } @else {
                label { (t.f_capacity) input type="number" name="capacity" min="1" max="100000" value=(f.get("capacity")); }
                label { (t.f_alert_email) input type="email" name="alert_email" maxlength="254" value=(f.get("alert_email")); }
            }
            label { (t.f_lang) select name="lang" {
                @for l in ingia_core::Lang::ALL {
                    option value=(l.tag()) lang=(l.tag()) selected[f.get("lang") == l.tag()] { (l.name()) }
                }
            } }
            label { (t.f_keep_hours) input type="number" name="keep_hours" min="0" max="65535" value=(f.get("keep_hours")) required; }
            label { (t.f_gates)
                textarea name="gates" rows="3" required { (f.get("gates")) }
            }
            @if !creating { p.hint { (t.f_gates_hint) } }
            fieldset.types {
                legend { (t.ticket_types) }
                @for i in 0..rows {
                    div.type {
                        label { (t.f_name) input name={ "type_name_" (i) } value=(f.get(&format!("type_name_{i}"))) maxlength="60"; }
                        fieldset.ways {
                            legend { (t.f_ways) }
                            label.check { input type="checkbox" name={ "type_printed_" (i) } checked[f.has(&format!("type_printed_{i}"))]; (t.f_way_printed) }
                            label.check { input type="checkbox" name={ "type_pin_" (i) } checked[f.has(&format!("type_pin_{i}"))]; (t.f_way_pin) }
                            label.check { input type="checkbox" name={ "type_sms_" (i) } checked[f.has(&format!("type_sms_{i}"))]; (t.f_way_sms) }
                        }
                        label.check { input type="checkbox" name={ "type_reentry_" (i) } checked[f.has(&format!("type_reentry_{i}"))]; (t.f_reentry) }
                        label { (t.f_type_gates) input name={ "type_gates_" (i) } value=(f.get(&format!("type_gates_{i}"))); }
                        div.pair {
                            label { (t.f_from) input type="datetime-local" name={ "type_from_" (i) } value=(f.get(&format!("type_from_{i}"))); }
                            label { (t.f_until) input type="datetime-local" name={ "type_until_" (i) } value=(f.get(&format!("type_until_{i}"))); }
                        }
                    }
                }
                p.hint { (t.f_policy_hint) }
            }
            button type="submit" { @if creating { (t.create_event) } @else { (t.save_changes) } }
        }
    }
}

pub async fn new_page(State(state): State<AppState>, Member(s): Member, Path(org): Path<i64>) -> Answer {
    let m = accounts::require_org(&state.db, s.account, org, Need::Manage).await?;
    state.keys.issuing()?;
    new_view(&s, &m, &blank_event(), None)
}

fn new_view(s: &Session, m: &accounts::Membership, f: &Fields, message: Option<&str>) -> Answer {
    let action = format!("/console/orgs/{}/events", m.org);
    let body = html! { (problem(message)) (event_form(s, &action, f, 0, true)) };
    let status = if message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let frame = Frame { title: t().new_event, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(s) };
    Ok((status, page(frame, body)).into_response())
}

pub async fn create(State(state): State<AppState>, Path(org): Path<i64>, post: Post) -> Answer {
    let m = accounts::require_org(&state.db, post.member.account, org, Need::Manage).await?;
    let made = async {
        let (ev, keep_hours) = event_from(&post.fields, 0)?;
        let lang = events::lang_field(post.fields.get("lang"))?;
        let created = events::create_event_in(&state.db, &state.keys, &ev, Some(org), &post.member.actor()).await?;
        events::set_keep_hours(&state.db, created.id, keep_hours).await?;
        events::set_lang(&state.db, created.id, lang).await?;
        Ok::<_, Error>(created.id)
    };
    match made.await {
        Ok(id) => Ok(see(format!("/console/events/{}", id.0))),
        Err(Error::BadRequest(msg)) => new_view(&post.member, &m, &post.fields, Some(&msg)),
        Err(e) => Err(e.into()),
    }
}

pub async fn event_page(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, s.account, event, Need::View).await?;
    let (header, _) = events::load_header(&state.db, event).await?;
    let mut f = fields_of(&header);
    let capacity = events::capacity(&state.db, event).await?;
    f.0.push(("capacity".into(), capacity.map(|c| c.to_string()).unwrap_or_default()));
    f.0.push(("alert_email".into(), events::alert_email(&state.db, event).await?.unwrap_or_default()));
    f.0.push(("lang".into(), events::lang(&state.db, event).await?.tag().into()));
    event_view(&state, &s, &m, &header, &f, None).await
}

async fn event_view(
    state: &AppState,
    s: &Session,
    m: &accounts::Membership,
    header: &Manifest,
    f: &Fields,
    message: Option<&str>,
) -> Answer {
    let id = header.event.id;
    let tz = zone(&header.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let stats = crate::checkins::stats(&state.db, id, now_ms()).await?;
    let t = t();
    let body = html! {
        (event_tabs(id, m, Tab::Overview))
        @if !state.keys.can_issue() && m.role.can(Need::Manage) { (cannot_issue()) }
        (problem(message))
        section.summary {
            p { (header.event.venue) }
            p { (span_of(t, header.event.starts_at as i64, header.event.ends_at as i64, &tz)) }
            p.big { (say(t.checked_in_of, &[("n", html! { (stats.checked_in) }), ("total", html! { (stats.total) }), ("label", html! { span.muted { (t.checked_in) } })])) }
            p.muted {
                (fill(t.conflicts_doubted, &[("conflicts", &stats.conflicts.to_string()), ("doubted", &stats.doubted.to_string())]))
                " · " (fill(t.pin_digits, &[("n", &header.event.pin_digits.to_string())]))
            }
        }
        h2 { (t.gates) }
        ul.plain { @for g in &header.gates { li { (g.name) } } }
        h2 { (t.ticket_types) }
        ul.cards {
            @for ty in &header.ticket_types {
                li {
                    strong { (ty.name) }
                    " · " (ways_words(ty.policy.ways))
                    " · " (if ty.policy.reentry { t.reentry } else { t.one_entry })
                    br;
                    span.muted {
                        (fill(t.type_gates, &[("gates", &header.gates.iter().filter(|g| ty.policy.gates.allows(g.id)).map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "))]))
                        " · " (fill(t.admits_span, &[("from", &show(i64::from(ty.policy.valid_from), &tz)), ("until", &show(i64::from(ty.policy.valid_until), &tz))]))
                    }
                }
            }
        }
        @if m.role.can(Need::Manage) {
            details.edit open[message.is_some()] {
                summary { (t.edit_event) }
                (event_form(s, &format!("/console/events/{}", id.0), f, header.ticket_types.len(), false))
            }
        }
    };
    let status = if message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let frame =
        Frame { title: &header.event.name, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(s) };
    Ok((status, page(frame, body)).into_response())
}

pub async fn update(State(state): State<AppState>, Path(event): Path<u64>, post: Post) -> Answer {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, post.member.account, event, Need::Manage).await?;
    let (header, _) = events::load_header(&state.db, event).await?;
    let saved = async {
        let (ev, keep_hours) = event_from(&post.fields, header.ticket_types.len())?;
        let alert_email = events::alert_address(post.fields.get("alert_email"))?;
        let lang = post.fields.has("lang").then(|| events::lang_field(post.fields.get("lang"))).transpose()?;
        events::update_event(&state.db, event, &ev, m.org, &post.member.actor()).await?;
        if keep_hours != header.event.keep_hours {
            events::set_keep_hours(&state.db, event, keep_hours).await?;
        }
        if post.fields.has("capacity") && events::capacity(&state.db, event).await? != Some(ev.capacity as u64) {
            events::set_capacity(&state.db, event, ev.capacity as u64).await?;
        }
        if post.fields.has("alert_email") && events::alert_email(&state.db, event).await? != alert_email {
            events::set_alert_email(&state.db, event, alert_email.as_deref()).await?;
        }
        if let Some(lang) = lang {
            if events::lang(&state.db, event).await? != lang {
                events::set_lang(&state.db, event, lang).await?;
            }
        }
        Ok::<_, Error>(())
    };
    match saved.await {
        Ok(()) => Ok(see(format!("/console/events/{}", event.0))),
        Err(Error::BadRequest(msg)) => event_view(&state, &post.member, &m, &header, &post.fields, Some(&msg)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    event: String,
}

pub async fn audit_page(
    State(state): State<AppState>,
    Member(s): Member,
    Path(org): Path<i64>,
    Query(q): Query<AuditQuery>,
) -> Answer {
    let m = accounts::require_org(&state.db, s.account, org, Need::Manage).await?;
    let list = events::list_for_org(&state.db, org).await?;
    let filter = q.event.trim().parse::<u64>().ok().map(EventId);
    let entries = crate::audit::of_org(&state.db, org, filter, 500).await?;
    let name_of =
        |e: Option<EventId>| e.and_then(|e| list.iter().find(|x| x.id == e)).map(|x| x.name.as_str()).unwrap_or("");
    let t = t();
    let body = html! {
        form.row method="get" {
            select name="event" aria-label=(t.event) {
                option value="" { (t.every_event) }
                @for e in &list { option value=(e.id.0) selected[Some(e.id) == filter] { (e.name) } }
            }
            button type="submit" { (t.show) }
        }
        ul.cards.audit {
            @for a in &entries {
                li {
                    span.muted { (when::show_ms(a.at, &jiff::tz::TimeZone::UTC)) }
                    " " strong { (a.action) } " " (a.detail)
                    br;
                    span.muted { (fill(t.by_actor, &[("actor", &a.actor)])) @if a.event.is_some() { " · " (name_of(a.event)) } }
                }
            }
        }
        @if entries.is_empty() { p.muted { (t.nothing_yet) } }
    };
    let frame = Frame { title: t.audit_log, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(&s) };
    Ok(page(frame, body).into_response())
}

/// "from … to …" in the event's zone.
pub fn span_of(t: &ingia_core::i18n::ConsoleLabels, from: i64, until: i64, tz: &jiff::tz::TimeZone) -> String {
    fill(t.from_to, &[("from", &show(from, tz)), ("until", &show(until, tz))])
}

/// A type's ways in, in the organizer's words.
fn ways_words(ways: Ways) -> String {
    let t = t();
    let mut open = vec![t.way_live];
    for (way, on) in [(t.way_printed, ways.printed), (t.way_pin, ways.pin), (t.way_sms, ways.phone)] {
        if on {
            open.push(way);
        }
    }
    open.join(", ")
}
