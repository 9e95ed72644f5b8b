//! A manager's attendees and tickets: the list with search and filters, add and edit one, CSV
//! upload with a column-mapping step (every bad row named with its line; nothing imported unless
//! the bad rows are skipped on purpose), issuing, reissue, refund / revoke / block / unblock, the
//! ticket mail's state and "send again", and a printable ticket.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use ingia_core::access::Need;
use ingia_core::{EventId, Manifest, TicketId, TicketStatus, Ways};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use sqlx::Row;

use super::accounts::{self, Membership, Session};
use super::html::{cannot_issue, csrf, event_tabs, isolated, lang, page, problem, say, t, Frame, Tab};
use super::{same_origin, same_token, see, Answer, Fields, Member, Post, Shown};
use crate::api::AppState;
use crate::attendees::{self, Attendee, Filter, Mapping, FIELDS};
use crate::db::event_key;
use crate::error::Error;
use crate::events;
use crate::util::now_ms;
use ingia_core::i18n::fill;

const PAGE: u32 = 100;

fn base(event: EventId) -> String {
    format!("/console/events/{}/attendees", event.0)
}

fn frame<'a>(title: &'a str, m: &Membership, header: &Manifest, s: &'a Session) -> Frame<'a> {
    Frame {
        title,
        trail: vec![
            (m.org_name.clone(), "/console".into()),
            (header.event.name.clone(), format!("/console/events/{}", header.event.id.0)),
        ],
        session: Some(s),
    }
}

async fn open(state: &AppState, s: &Session, event: u64) -> Result<(Membership, Manifest), Shown> {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, s.account, event, Need::Manage).await?;
    let (header, _) = events::load_header(&state.db, event).await?;
    Ok((m, header))
}

fn type_name(header: &Manifest, id: u8) -> &str {
    header.ticket_types.iter().find(|t| t.id.0 == id).map(|t| t.name.as_str()).unwrap_or("?")
}

fn status_label(a: &attendees::Listed) -> &'static str {
    let t = t();
    if !a.issued {
        return t.no_ticket_yet;
    }
    match TicketStatus::from_slug(&a.status) {
        Some(TicketStatus::Active) => t.st_active,
        Some(TicketStatus::Refunded) => t.st_refunded,
        Some(TicketStatus::Revoked) if a.replaced_by.is_some() => t.st_reissued,
        Some(TicketStatus::Revoked) => t.revoked,
        Some(TicketStatus::Blocked) => t.st_blocked,
        None => "?",
    }
}

/// An import field's label (`attendees::FIELDS`' keys).
fn field_label(key: &str) -> &'static str {
    let t = t();
    match key {
        "name" => t.full_name,
        "first_name" => t.first_name,
        "last_name" => t.last_name,
        "email" => t.email,
        "phone" => t.phone,
        "ticket_type" => t.ticket_type,
        "external_id" => t.shop_id,
        _ => lang().labels().language,
    }
}

/// A delivery's state as the organizer reads it.
fn delivery_state(state: &str) -> &str {
    let t = t();
    match state {
        "queued" => t.dl_queued,
        "sending" => t.dl_sending,
        "sent" => t.dl_sent,
        "failed" => t.dl_failed,
        other => other,
    }
}

fn mail_label(a: &attendees::Listed) -> Markup {
    let t = t();
    html! {
        @for (what, delivery) in [(t.dl_mail, &a.delivery), (t.dl_sms, &a.sms)] {
            @if let Some((state, reason)) = delivery {
                " " span.badge.mail data-state=(state) { (fill(what, &[("state", delivery_state(state))])) }
                @if let (true, Some(r)) = (state == "failed" || state == "queued", reason) { " " span.muted { (r) } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default, rename = "type")]
    type_id: String,
    #[serde(default, rename = "in")]
    checked_in: String,
    #[serde(default)]
    page: u32,
    #[serde(default)]
    done: String,
    #[serde(default)]
    n: u64,
}

fn attendee_form(s: &Session, header: &Manifest, action: &str, f: &Fields, button: &str) -> Markup {
    let t = t();
    html! {
        form.stack method="post" action=(action) {
            (csrf(s))
            label { (t.f_name) input name="name" value=(f.get("name")) maxlength="100" required; }
            div.pair {
                label { (t.email) input type="email" name="email" value=(f.get("email")) maxlength="200"; }
                label { (t.phone) input type="tel" name="phone" value=(f.get("phone")) maxlength="30"; }
            }
            label { (t.ticket_type) select name="ticket_type" {
                @for ty in &header.ticket_types { option value=(ty.name) selected[ty.name == f.get("ticket_type")] { (ty.name) } }
            } }
            label { (t.shop_id_optional) input name="external_id" value=(f.get("external_id")) maxlength="100"; }
            label { (t.their_language) select name="language" {
                option value="" selected[f.get("language").is_empty()] { (t.the_events) }
                @for l in ingia_core::Lang::ALL {
                    option value=(l.tag()) lang=(l.tag()) selected[f.get("language") == l.tag()] { (l.name()) }
                }
            } }
            button type="submit" { (button) }
        }
    }
}

fn attendee_from(f: &Fields) -> Attendee {
    Attendee {
        name: f.get("name").to_string(),
        email: f.get("email").to_string(),
        phone: f.get("phone").to_string(),
        ticket_type: f.get("ticket_type").to_string(),
        external_id: Some(f.get("external_id").trim().to_string()).filter(|x| !x.is_empty()),
        language: f.get("language").to_string(),
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    Member(s): Member,
    Path(event): Path<u64>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let (m, header) = open(&state, &s, event).await?;
    list_view(&state, &s, &m, &header, &q, &Fields::default(), None).await
}

async fn list_view(
    state: &AppState,
    s: &Session,
    m: &Membership,
    header: &Manifest,
    q: &ListQuery,
    add: &Fields,
    message: Option<&str>,
) -> Answer {
    let event = header.event.id;
    let filter = Filter {
        text: q.q.clone(),
        status: Some(q.status.clone()).filter(|x| !x.is_empty()),
        type_id: q.type_id.parse().ok(),
        checked_in: match q.checked_in.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        ticket: None,
    };
    let (list, total) = attendees::list(&state.db, event, &filter, PAGE, q.page.saturating_mul(PAGE)).await?;
    let pending: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tickets WHERE event_id = $1 AND issued = 0")
        .bind(event_key(event))
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    let texts = crate::sms::estimate(
        &state.db,
        header,
        state.public_url.as_deref().unwrap_or("http://127.0.0.1:8080"),
        state.sms_shortcode.as_deref(),
    )
    .await?;
    let t = t();
    let (l, n) = (lang(), q.n.to_string());
    let notice = match q.done.as_str() {
        "import" => Some(fill(l.plural(t.imported_n, q.n), &[("n", &n)])),
        "issue" => Some(fill(l.plural(t.issued_n, q.n), &[("n", &n)])),
        "add" => Some(t.attendee_added.to_string()),
        _ => None,
    };
    let mut next = vec![
        ("q", q.q.clone()),
        ("status", q.status.clone()),
        ("type", q.type_id.clone()),
        ("in", q.checked_in.clone()),
    ];
    next.push(("page", (q.page + 1).to_string()));
    let next = serde_urlencoded::to_string(&next).unwrap_or_default();
    let b = base(event);
    let body = html! {
        (event_tabs(event, m, Tab::Attendees))
        (problem(message))
        @if let Some(n) = &notice { p.notice role="status" { (n) } }
        @if !state.keys.can_issue() { (cannot_issue()) }
        @if !state.mail {
            p.hint { (t.no_mail_server) }
        }
        div.actions {
            @if pending > 0 && state.keys.can_issue() {
                form method="post" action={ "/console/events/" (event.0) "/tickets/issue" } {
                    (csrf(s))
                    button type="submit" { (fill(l.plural(t.issue_to_n, pending as u64), &[("n", &pending.to_string())])) }
                }
                @if texts.0 > 0 {
                    p.hint {
                        (fill(l.plural(t.sms_estimate, texts.0 as u64), &[("n", &texts.0.to_string()), ("segments", &texts.1.to_string()), ("all", &(texts.0 * texts.1).to_string())]))
                    }
                }
            }
        }
        details.edit open[message.is_some()] {
            summary { (t.import_csv) }
            form.stack method="post" action={ "/console/events/" (event.0) "/uploads" } enctype="multipart/form-data" {
                (csrf(s))
                label { (t.csv_file) input type="file" name="file" accept=".csv,text/csv" required; }
                button type="submit" { (t.upload_match) }
            }
        }
        details.edit {
            summary { (t.add_attendee) }
            (attendee_form(s, header, &b, add, t.add))
        }
        form.row.filters method="get" action=(b) {
            label { (t.search) input type="search" name="q" value=(q.q) placeholder=(t.search_hint); }
            label { (t.status) select name="status" {
                @for (v, label) in [("", t.any), ("pending", t.no_ticket_yet), ("active", t.st_active), ("refunded", t.st_refunded), ("revoked", t.revoked), ("blocked", t.st_blocked)] {
                    option value=(v) selected[q.status == v] { (label) }
                }
            } }
            label { (t.ticket_type) select name="type" {
                option value="" { (t.any) }
                @for ty in &header.ticket_types { option value=(ty.id.0) selected[q.type_id == ty.id.0.to_string()] { (ty.name) } }
            } }
            label { (t.checked_in_filter) select name="in" {
                @for (v, label) in [("", t.any), ("yes", t.yes), ("no", t.no)] { option value=(v) selected[q.checked_in == v] { (label) } }
            } }
            button type="submit" { (t.show) }
        }
        p.muted { (fill(l.plural(t.attendees_n, total), &[("n", &total.to_string())])) }
        ul.cards.attendees {
            @for a in &list {
                li data-ticket=(a.ticket.0) {
                    a.title href={ (b) "/" (a.ticket.0) } { (a.name) }
                    " " span.badge { (status_label(a)) }
                    @if a.checked_in { " " span.badge.in { (t.checked_in) } }
                    br;
                    span.muted { (type_name(header, a.type_id)) " · " (fill(t.ticket_n, &[("n", &a.ticket.0.to_string())]))
                        @if !a.email.is_empty() { " · " (a.email) }
                        @if !a.phone.is_empty() { " · " (a.phone) }
                    }
                    " " (mail_label(a))
                }
            }
        }
        @if u64::from(q.page + 1) * u64::from(PAGE) < total { p { a href={ (b) "?" (next) } { (fill(t.next_n, &[("n", &PAGE.to_string())])) } } }
    };
    let title = fill(t.attendees_of, &[("event", &isolated(&header.event.name))]);
    let status = if message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page(frame(&title, m, header, s), body)).into_response())
}

pub async fn add(State(state): State<AppState>, Path(event): Path<u64>, post: Post) -> Answer {
    let (m, header) = open(&state, &post.member, event).await?;
    let a = attendee_from(&post.fields);
    match attendees::add(&state.db, header.event.id, &a, &post.member.actor()).await {
        Ok(_) => Ok(see(format!("{}?done=add", base(header.event.id)))),
        Err(Error::BadRequest(msg) | Error::Conflict(msg)) => {
            list_view(&state, &post.member, &m, &header, &ListQuery::default(), &post.fields, Some(&msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn issue(State(state): State<AppState>, Path(event): Path<u64>, post: Post) -> Answer {
    let (_, header) = open(&state, &post.member, event).await?;
    let id = header.event.id;
    let issued = crate::tickets::issue(&state.db, &state.keys, id, None, &post.member.actor(), true).await?;
    Ok(see(format!("{}?done=issue&n={}", base(id), issued.len())))
}

fn fields_of(a: &attendees::Listed, header: &Manifest) -> Fields {
    Fields(vec![
        ("name".into(), a.name.clone()),
        ("email".into(), a.email.clone()),
        ("phone".into(), a.phone.clone()),
        ("ticket_type".into(), type_name(header, a.type_id).to_string()),
        ("external_id".into(), a.external_id.clone().unwrap_or_default()),
        ("language".into(), a.lang.clone().unwrap_or_default()),
    ])
}

pub async fn attendee_page(
    State(state): State<AppState>,
    Member(s): Member,
    Path((event, ticket)): Path<(u64, u32)>,
) -> Answer {
    let (m, header) = open(&state, &s, event).await?;
    let a = attendees::one(&state.db, header.event.id, TicketId(ticket)).await?;
    attendee_view(&state, &s, &m, &header, &a, &fields_of(&a, &header), None)
}

fn attendee_view(
    state: &AppState,
    s: &Session,
    m: &Membership,
    header: &Manifest,
    a: &attendees::Listed,
    f: &Fields,
    message: Option<&str>,
) -> Answer {
    let event = header.event.id;
    let here = format!("{}/{}", base(event), a.ticket.0);
    let status = TicketStatus::from_slug(&a.status);
    let t = t();
    let actions: Vec<(&str, &str)> = match (a.issued, status, a.replaced_by) {
        (true, _, Some(_)) => vec![],
        (true, Some(TicketStatus::Active), None) => {
            vec![("refunded", t.refund), ("revoked", t.revoke), ("blocked", t.block)]
        }
        (true, Some(TicketStatus::Blocked), None) => {
            vec![("active", t.unblock), ("refunded", t.refund), ("revoked", t.revoke)]
        }
        (true, Some(_), None) => vec![("active", t.make_active)],
        _ => vec![],
    };
    let body = html! {
        (event_tabs(event, m, Tab::Attendees))
        @if !state.keys.can_issue() && a.issued && a.replaced_by.is_none() { (cannot_issue()) }
        (problem(message))
        section.summary {
            p { span.badge { (status_label(a)) } @if a.checked_in { " " span.badge.in { (t.checked_in) } } " " (mail_label(a)) }
            p.muted { (type_name(header, a.type_id)) " · " (fill(t.ticket_n, &[("n", &a.ticket.0.to_string())])) }
            @if let Some(by) = a.replaced_by {
                p { (say(t.reissued_as, &[("ticket", html! { a href={ (base(event)) "/" (by.0) } { (fill(t.ticket_n, &[("n", &by.0.to_string())])) } })])) }
            }
        }
        @if a.issued && a.replaced_by.is_none() {
            h2 { (t.ticket) }
            div.row {
                a.button href={ (here) "/print" } { (t.printable_ticket) }
                @if state.keys.can_issue() { form method="post" action={ (here) "/reissue" } data-confirm=(t.reissue_confirm) {
                    (csrf(s)) button type="submit" { (t.reissue) }
                } }
                @for (value, label) in &actions {
                    form method="post" action={ (here) "/status" } {
                        (csrf(s)) input type="hidden" name="status" value=(value);
                        button.danger[*value != "active"] type="submit" { (label) }
                    }
                }
                @if matches!(&a.delivery, Some((st, _)) if st == "failed") {
                    form method="post" action={ (here) "/mail" } { (csrf(s)) button type="submit" { (t.send_mail_again) } }
                }
                @if matches!(&a.sms, Some((st, _)) if st == "failed") {
                    form method="post" action={ (here) "/sms" } { (csrf(s)) button type="submit" { (t.send_sms_again) } }
                }
            }
        }
        h2 { (t.details) }
        @if a.issued { p.hint { (t.details_hint) } }
        (attendee_form(s, header, &here, f, t.save))
    };
    let code = if message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((code, page(frame(&a.name, m, header, s), body)).into_response())
}

pub async fn edit(State(state): State<AppState>, Path((event, ticket)): Path<(u64, u32)>, post: Post) -> Answer {
    let (m, header) = open(&state, &post.member, event).await?;
    let id = header.event.id;
    match attendees::edit(&state.db, id, TicketId(ticket), &attendee_from(&post.fields), &post.member.actor()).await {
        Ok(()) => Ok(see(format!("{}/{ticket}", base(id)))),
        Err(Error::BadRequest(msg)) => {
            let a = attendees::one(&state.db, id, TicketId(ticket)).await?;
            attendee_view(&state, &post.member, &m, &header, &a, &post.fields, Some(&msg))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn set_status(State(state): State<AppState>, Path((event, ticket)): Path<(u64, u32)>, post: Post) -> Answer {
    let (_, header) = open(&state, &post.member, event).await?;
    let status = TicketStatus::from_slug(post.fields.get("status"))
        .ok_or_else(|| Shown(Error::BadRequest("choose a status".into())))?;
    crate::tickets::set_status(&state.db, &post.member.actor(), header.event.id, TicketId(ticket), status).await?;
    Ok(see(format!("{}/{ticket}", base(header.event.id))))
}

pub async fn reissue(State(state): State<AppState>, Path((event, ticket)): Path<(u64, u32)>, post: Post) -> Answer {
    let (_, header) = open(&state, &post.member, event).await?;
    let new = crate::tickets::reissue(&state.db, &state.keys, header.event.id, TicketId(ticket), &post.member.actor())
        .await?;
    Ok(see(format!("{}/{}", base(header.event.id), new.id.0)))
}

pub async fn retry_mail(State(state): State<AppState>, Path((event, ticket)): Path<(u64, u32)>, post: Post) -> Answer {
    let (_, header) = open(&state, &post.member, event).await?;
    crate::mail::retry(&state.db, header.event.id, TicketId(ticket), &post.member.actor()).await?;
    Ok(see(format!("{}/{ticket}", base(header.event.id))))
}

pub async fn retry_sms(State(state): State<AppState>, Path((event, ticket)): Path<(u64, u32)>, post: Post) -> Answer {
    let (_, header) = open(&state, &post.member, event).await?;
    crate::sms::retry(&state.db, header.event.id, TicketId(ticket), &post.member.actor()).await?;
    Ok(see(format!("{}/{ticket}", base(header.event.id))))
}

/// A ticket to print for an attendee without a phone: its QR code, PIN and details.
pub async fn print(
    State(state): State<AppState>,
    Member(s): Member,
    Path((event, ticket)): Path<(u64, u32)>,
) -> Answer {
    let (m, header) = open(&state, &s, event).await?;
    let id = header.event.id;
    let a = attendees::one(&state.db, id, TicketId(ticket)).await?;
    if !a.issued || a.replaced_by.is_some() {
        return Err(Error::BadRequest("this attendee has no ticket to print".into()).into());
    }
    let sealed: Vec<u8> = sqlx::query("SELECT sealed FROM tickets WHERE event_id = $1 AND ticket_id = $2")
        .bind(event_key(id))
        .bind(i64::from(ticket))
        .fetch_one(&state.db.pool)
        .await?
        .try_get("sealed")?;
    let secrets = state.keys.master.open_ticket(id, TicketId(ticket), &sealed)?;
    let svg = crate::util::qr_svg(&secrets.credential.static_token().to_text());
    let ways = header.ticket_types.iter().find(|t| t.id.0 == a.type_id).map_or(Ways::ALL, |t| t.policy.ways);
    let tz = super::when::zone(&header.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    crate::audit::record(&state.db, Some(id), &s.actor(), "ticket.print", &format!("ticket {ticket}")).await?;
    let t = t();
    let body = html! {
        p.noprint { button.print type="button" data-print="1" { (t.print) } " " a href={ (base(id)) "/" (ticket) } { (t.back) } }
        @if !ways.printed {
            p.error.noprint {
                (t.print_needs_live)
                @if ways.pin { " " (t.print_pin_works) }
            }
        }
        article.ticket {
            h2 { (header.event.name) }
            p { (super::when::show(header.event.starts_at as i64, &tz)) br; (header.event.venue) }
            div.qr { (PreEscaped(super::devices::inline_svg(&svg))) }
            p.big { (a.name) }
            p { (type_name(&header, a.type_id)) " · " (fill(t.ticket_n, &[("n", &ticket.to_string())])) }
            @if ways.uses_pin() { p { (say(t.pin_is, &[("pin", html! { strong.pin dir="ltr" { (secrets.pin.to_string()) } })])) } }
            p.hint { (t.paper_is_ticket) }
        }
    };
    let mut resp = page(frame(t.printable_ticket, &m, &header, &s), body).into_response();
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

// ----- CSV upload and column mapping -----

/// Most bytes of one CSV upload (100,000 attendees with long rows).
pub const MAX_UPLOAD: usize = 16 * 1024 * 1024;

pub async fn upload(
    State(state): State<AppState>,
    Member(s): Member,
    Path(event): Path<u64>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Answer {
    same_origin(&headers)?;
    let (_, header) = open(&state, &s, event).await?;
    let (mut token_ok, mut file, mut file_name) = (false, None, String::new());
    let unreadable = || Shown(Error::BadRequest("the upload could not be read: try again".into()));
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("csrf") => token_ok = same_token(&field.text().await.map_err(|_| unreadable())?, &s.csrf),
            Some("file") if token_ok => {
                file_name =
                    field.file_name().unwrap_or("upload.csv").chars().filter(|c| !c.is_control()).take(100).collect();
                file = Some(field.bytes().await.map_err(|_| Shown(Error::TooLarge))?);
            }
            _ => {}
        }
    }
    if !token_ok {
        return Err(Error::CrossSite.into());
    }
    let data = file.filter(|f| !f.is_empty()).ok_or_else(|| Shown(Error::BadRequest("choose a CSV file".into())))?;
    attendees::read_table(&data)?;
    let now = now_ms() as i64;
    // Uploads nobody mapped within a day are dropped.
    sqlx::query("DELETE FROM uploads WHERE created_at < $1").bind(now - 86_400_000).execute(&state.db.pool).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO uploads (event_id, account_id, file_name, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(event_key(header.event.id))
    .bind(s.account)
    .bind(&file_name)
    .bind(data.to_vec())
    .bind(now)
    .fetch_one(&state.db.pool)
    .await?
    .try_get("id")?;
    Ok(see(format!("/console/events/{}/uploads/{id}", header.event.id.0)))
}

/// An upload of this member for this event.
async fn stored(state: &AppState, s: &Session, event: EventId, id: i64) -> Result<(String, Vec<u8>), Shown> {
    let row = sqlx::query("SELECT file_name, data FROM uploads WHERE id = $1 AND event_id = $2 AND account_id = $3")
        .bind(id)
        .bind(event_key(event))
        .bind(s.account)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("upload (it is kept a day)"))?;
    Ok((row.try_get("file_name")?, row.try_get("data")?))
}

fn mapping_from(f: &Fields, columns: usize) -> Mapping {
    let mut m = Mapping::default();
    for (key, _) in FIELDS {
        m.set(key, f.get(&format!("map_{key}")).parse::<usize>().ok().filter(|c| *c < columns));
    }
    m
}

pub async fn mapping_page(
    State(state): State<AppState>,
    Member(s): Member,
    Path((event, id)): Path<(u64, i64)>,
) -> Answer {
    let (m, header) = open(&state, &s, event).await?;
    let (name, data) = stored(&state, &s, header.event.id, id).await?;
    let table = attendees::read_table(&data)?;
    let mapping = Mapping::guess(&table.headers);
    mapping_view(&s, &m, &header, id, &name, &table, &mapping, None, None)
}

#[allow(clippy::too_many_arguments)]
fn mapping_view(
    s: &Session,
    m: &Membership,
    header: &Manifest,
    id: i64,
    file_name: &str,
    table: &attendees::Table,
    mapping: &Mapping,
    report: Option<&attendees::ImportReport>,
    message: Option<&str>,
) -> Answer {
    let event = header.event.id;
    let preview = mapping.apply(table).ok();
    let good = report.map(|r| table.rows.len() - r.bad.len()).unwrap_or(0);
    let (t, l) = (t(), lang());
    let body = html! {
        (event_tabs(event, m, Tab::Attendees))
        (problem(message))
        p { (say(l.plural(t.rows_match, table.rows.len() as u64), &[("file", html! { strong { (file_name) } }), ("n", html! { (table.rows.len()) })])) }
        form.stack method="post" action={ "/console/events/" (event.0) "/uploads/" (id) } {
            (csrf(s))
            div.pair {
                @for (key, _) in FIELDS {
                    label { (field_label(key))
                        select name={ "map_" (key) } {
                            option value="" { (t.none_column) }
                            @for (i, h) in table.headers.iter().enumerate() {
                                option value=(i) selected[mapping.get(key) == Some(i)] { (h) }
                            }
                        }
                    }
                }
            }
            p.hint { (fill(t.mapping_hint, &[("types", &header.ticket_types.iter().map(|ty| ty.name.as_str()).collect::<Vec<_>>().join(", "))])) }
            @if let Some(rows) = &preview {
                h2 { (t.preview) }
                ul.cards.preview {
                    @for (line, row) in rows.iter().take(5) {
                        li { span.muted { (fill(t.line_n, &[("n", &line.to_string())])) " " }
                            @match row {
                                Ok(a) => { strong { (a.name) } " · " (a.ticket_type) @if !a.email.is_empty() { " · " (a.email) } @if !a.phone.is_empty() { " · " (a.phone) } }
                                Err(e) => { (e) }
                            }
                        }
                    }
                }
            }
            @if let Some(r) = report {
                section.bad-rows {
                    h2 { (fill(l.plural(t.bad_rows_n, r.bad.len() as u64), &[("n", &r.bad.len().to_string())])) }
                    ul {
                        @for b in r.bad.iter().take(500) { li { (fill(t.line_n, &[("n", &b.line.to_string())])) " " (b.problem) } }
                    }
                    @if r.bad.len() > 500 { p { (fill(t.and_more, &[("n", &(r.bad.len() - 500).to_string())])) } }
                }
            }
            div.row {
                button type="submit" name="action" value="import" { (t.check_import) }
                @if report.is_some() && good > 0 {
                    button.danger type="submit" name="action" value="skip" { (fill(t.import_good_skip_bad, &[("good", &good.to_string()), ("bad", &report.map_or(0, |r| r.bad.len()).to_string())])) }
                }
            }
        }
    };
    let status = if message.is_some() || report.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page(frame(t.import_attendees, m, header, s), body)).into_response())
}

pub async fn import(State(state): State<AppState>, Path((event, id)): Path<(u64, i64)>, post: Post) -> Answer {
    let (m, header) = open(&state, &post.member, event).await?;
    let ev = header.event.id;
    let (name, data) = stored(&state, &post.member, ev, id).await?;
    let table = attendees::read_table(&data)?;
    let mapping = mapping_from(&post.fields, table.headers.len());
    let rows = match mapping.apply(&table) {
        Ok(rows) => rows,
        Err(Error::BadRequest(msg)) => {
            return mapping_view(&post.member, &m, &header, id, &name, &table, &mapping, None, Some(&msg));
        }
        Err(e) => return Err(e.into()),
    };
    let skip = post.fields.get("action") == "skip";
    let report = attendees::import_rows(&state.db, ev, rows, skip, &post.member.actor()).await?;
    if !report.bad.is_empty() && !skip {
        return mapping_view(&post.member, &m, &header, id, &name, &table, &mapping, Some(&report), None);
    }
    sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(&state.db.pool).await?;
    Ok(see(format!("{}?done=import&n={}", base(ev), report.imported)))
}
