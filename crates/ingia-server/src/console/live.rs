//! The live dashboard and the end-of-event report. The board is drawn here once, in maud
//! ([`board`]): the page carries it server-rendered, and its stream (`…/live/stream`, Server-Sent
//! Events, the session's cookie) sends the same markup again whenever the event moves, which
//! console.js swaps in. So the page works without script, a reconnect (after a restart too)
//! starts from a fresh read of the database, and there is no second renderer in JavaScript.
//!
//! Names by role: the board a member receives is `Board::for_role` (initials below managers);
//! the no-show list, with contacts, opens to managers only.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use ingia_core::access::{Need, OrgRole};
use ingia_core::verdict::RefusalKind;
use ingia_core::watch;
use ingia_core::EventId;
use jiff::tz::TimeZone;
use maud::{html, Markup};

use super::accounts::{self, AccountId, Membership, Session};
use super::html::{drawn_in, event_tabs, isolated, lang, page, say, t, Frame, Tab};
use super::when::{clock_ms, show_ms, zone};
use super::{Answer, Member};
use crate::api::AppState;
use crate::dashboard::{self, Board, HourRow};
use crate::db::Db;
use crate::live::Hub;
use crate::util::now_ms;
use ingia_core::i18n::fill;

/// A dashboard with nothing new re-reads this often (devices falling silent, rates moving).
pub const TICK: Duration = Duration::from_secs(5);
/// Scans arriving together are shown together: a wake waits this long for the rest.
const GATHER: Duration = Duration::from_millis(200);
/// How often a stream checks that its member is still signed in and still in the team.
const RECHECK: Duration = Duration::from_secs(30);

fn reason(slug: &str) -> String {
    RefusalKind::from_slug(slug)
        .map(|k| ingia_core::words::headline(lang(), k).to_string())
        .unwrap_or_else(|| slug.into())
}

/// The chart's narrowest span, in minutes.
const CHART_MIN_MINUTES: usize = 60;

/// The per-minute chart: one bar per minute, drawn as SVG attributes (no inline style, no script).
fn chart(b: &Board, tz: &TimeZone) -> Markup {
    let n = b.per_minute.len();
    let max = b.per_minute.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let sum: u64 = b.per_minute.iter().map(|(_, c)| *c).sum();
    // At least an hour wide: the first minutes of an event are thin bars, not one block.
    let width = (n.max(CHART_MIN_MINUTES) * 5) as u64;
    let (t, l) = (t(), lang());
    let numbers = [("n", sum.to_string()), ("minutes", n.to_string()), ("max", max.to_string())];
    let numbers: Vec<(&str, &str)> = numbers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    html! {
        figure.chart {
            @if n == 0 {
                p.muted { (t.no_checkins_yet) }
            } @else {
                svg viewBox={ "0 0 " (width) " 100" } preserveAspectRatio="none" role="img"
                    aria-label=(fill(l.plural(t.chart_label, sum), &numbers))
                    data-minutes=(n) data-sum=(sum) {
                    @for (i, (minute, count)) in b.per_minute.iter().enumerate() {
                        @let h = count * 100 / max;
                        rect x=(i * 5) y=(100 - h) width="4" height=(h) {
                            title { (clock_ms(*minute, tz)) ": " (count) }
                        }
                    }
                }
                figcaption.muted {
                    (fill(t.chart_caption, &[("from", &clock_ms(b.per_minute[0].0, tz)), ("until", &clock_ms(b.per_minute[n - 1].0, tz)), ("max", &max.to_string()), ("sum", &sum.to_string())]))
                }
            }
        }
    }
}

/// The board: everything the dashboard shows, as `b` (already `for_role`) holds it.
pub fn board(b: &Board, tz: &TimeZone) -> Markup {
    let capacity_alerts: Vec<_> = b.alerts.iter().filter(|a| a.kind.starts_with("capacity_")).collect();
    let (t, l) = (t(), lang());
    html! {
        section.counters {
            p.big { (say(t.checked_in_of, &[("n", html! { span #checked-in { (b.checked_in) } }), ("total", html! { (b.total) }), ("label", html! { span.muted { (t.checked_in) } })])) }
            meter #progress min="0" max=(b.total.max(1)) value=(b.checked_in) aria-label=(t.checked_in) {}
            p {
                (say(t.inside_now, &[("n", html! { strong #inside { (b.inside) } }), ("capacity", html! { (b.capacity) })]))
                @if let Some(step) = b.capacity_step { " " span.badge.cap data-step=(step) dir="ltr" { (step) "%" } }
            }
            p.muted {
                (fill(t.conflicts_doubted, &[("conflicts", &b.conflict_count.to_string()), ("doubted", &b.doubted.to_string())]))
                @if let Some(n) = b.no_shows { " · " (say(t.no_shows_n, &[("n", html! { span #no-shows { (n) } })])) }
            }
        }
        @if let Some(a) = capacity_alerts.first() {
            p.error.capacity role="alert" data-kind=(a.kind) { strong { (watch::alert_title(l, &a.kind)) } ": " (a.said(l)) }
        }
        h2 { (t.per_minute) }
        (chart(b, tz))
        h2 { (t.gates) }
        div.scroll {
            table.gates {
                thead { tr { th { (t.gate) } th { (t.admitted) } th { (t.exits) } th { (t.refused) } th title=(t.rate_title) { (t.rate) } th { (t.tab_devices) } } }
                tbody {
                    @for g in &b.gates {
                        tr data-gate=(g.gate) data-silent[g.silent] {
                            td { (g.name) @if g.silent { " " span.badge.warn { (t.silent) } } }
                            td.admitted { (g.admitted) }
                            td { (g.exits) }
                            td.refused { (g.refused) }
                            td { (g.rate) }
                            td {
                                @if g.devices.is_empty() { span.muted { (t.none_lower) } }
                                @for d in &g.devices {
                                    span.device data-silent[d.silent] {
                                        "#" (d.device) " " (d.name) " · "
                                        @match d.last_contact {
                                            Some(at) => { (clock_ms(at, tz)) }
                                            None => { (t.never) }
                                        }
                                        @if d.silent { " " span.badge.warn { (t.silent) } }
                                        @if let Some(p) = d.pending.filter(|p| *p > 0) { " · " (fill(t.waiting_n, &[("n", &p.to_string())])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t.alerts) }
        @if b.alerts.is_empty() { p.muted { (t.none) } }
        ul.cards.alerts {
            @for a in &b.alerts {
                li data-kind=(a.kind) { span.muted { (clock_ms(a.at.max(0) as u64, tz)) } " " strong { (watch::alert_title(l, &a.kind)) } " " (a.said(l)) }
            }
        }
        h2 { (t.refusals) }
        @if b.refusals.is_empty() { p.muted { (t.none) } }
        @else {
            div.scroll {
                table { thead { tr { th { (t.gate) } th { (t.reason) } th { (t.scans) } } }
                    tbody { @for r in &b.refusals { tr { td { (b.gate_name(r.gate)) } td { (reason(&r.reason)) } td { (r.count) } } } }
                }
            }
        }
        h2 { (t.conflicts) }
        @if b.conflicts.is_empty() { p.muted { (t.none) } }
        @else {
            div.scroll {
                table.conflicts {
                    thead { tr { th { (t.ticket) } th { (t.holder) } th { (t.refused_scan) } th { (t.winning_admission) } } }
                    tbody {
                        @for c in &b.conflicts {
                            tr {
                                td { @if let Some(t) = c.ticket { (t) } }
                                td { (c.holder) }
                                td { (b.gate_name(c.gate)) ", #" (c.device) ", " (clock_ms(c.at.max(0) as u64, tz)) }
                                td { (b.gate_name(c.winner_gate)) ", #" (c.winner_device) ", " (clock_ms(c.winner_at.max(0) as u64, tz)) }
                            }
                        }
                    }
                }
            }
            @if b.conflict_count as usize > b.conflicts.len() { p.hint { (fill(t.latest_of, &[("n", &b.conflicts.len().to_string()), ("total", &b.conflict_count.to_string())])) } }
        }
    }
}

async fn open(state: &AppState, s: &Session, event: u64) -> Result<(EventId, Membership, TimeZone), super::Shown> {
    let event = EventId(event);
    let m = accounts::require_event(&state.db, s.account, event, Need::View).await?;
    let tz = zone(&events_zone(&state.db, event).await?).unwrap_or(TimeZone::UTC);
    Ok((event, m, tz))
}

async fn events_zone(db: &Db, event: EventId) -> crate::error::Result<String> {
    let (header, _) = crate::events::load_header(db, event).await?;
    Ok(header.event.time_zone)
}

pub async fn live_page(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let (event, m, tz) = open(&state, &s, event).await?;
    let b = state.db.live.boards.get(&state.db, event, state.db.live.rings(), now_ms()).await?.for_role(m.role);
    let t = t();
    let body = html! {
        (event_tabs(event, &m, Tab::Live))
        p.live-state #live-state role="status" data-zone=(tz.iana_name().unwrap_or("UTC")) data-live=(t.live_updated) data-lost=(t.live_lost) {
            (fill(t.as_of, &[("time", &clock_ms(b.now, &tz))]))
        }
        div #board data-stream={ "/console/events/" (event.0) "/live/stream" } { (board(&b, &tz)) }
        p.hint { (if watch::sees_names(m.role) { t.names_initials_others } else { t.names_initials }) }
    };
    let title = fill(t.live_of, &[("event", &isolated(&b.name))]);
    let frame = Frame { title: &title, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(&s) };
    Ok(page(frame, body).into_response())
}

/// The board as JSON (the same role rule as the page).
pub async fn live_json(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let (event, m, _) = open(&state, &s, event).await?;
    let b = state.db.live.boards.get(&state.db, event, state.db.live.rings(), now_ms()).await?;
    Ok(axum::Json(b.for_role(m.role)).into_response())
}

struct Watcher {
    db: Db,
    event: EventId,
    role: OrgRole,
    account: AccountId,
    session: String,
    tz: TimeZone,
    lang: ingia_core::Lang,
    wakes: tokio::sync::broadcast::Receiver<u64>,
    sent: String,
    first: bool,
    checked: Instant,
}

impl Watcher {
    /// The next board that differs from the last one sent; `None` ends the stream (signed out,
    /// no longer in the team, or the database away: the browser reconnects and is asked again).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if !std::mem::replace(&mut self.first, false) {
                if !Hub::wait(&mut self.wakes, self.event, TICK).await {
                    return None;
                }
                tokio::time::sleep(GATHER).await;
                while self.wakes.try_recv().is_ok() {}
            }
            if self.checked.elapsed() >= RECHECK {
                self.checked = Instant::now();
                let still = accounts::still_signed_in(&self.db, &self.session, now_ms()).await.unwrap_or(false)
                    && accounts::require_event(&self.db, self.account, self.event, Need::View).await.is_ok();
                if !still {
                    return None;
                }
            }
            let read = self.db.live.boards.get(&self.db, self.event, self.db.live.rings(), now_ms()).await;
            let b = match read {
                Ok(b) => b.for_role(self.role),
                Err(e) => {
                    tracing::warn!(error = %e, "dashboard stream ended");
                    return None;
                }
            };
            let markup = drawn_in(self.lang, || board(&b, &self.tz).into_string());
            if markup != self.sent {
                self.sent = markup.clone();
                let ev = Event::default().event("board").id(b.seq.to_string()).data(markup);
                return Some(ev.retry(Duration::from_secs(2)));
            }
        }
    }
}

pub async fn live_stream(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let (event, m, tz) = open(&state, &s, event).await?;
    let w = Watcher {
        wakes: state.db.live.subscribe(),
        db: state.db.clone(),
        event,
        role: m.role,
        account: s.account,
        session: s.token_hash.clone(),
        tz,
        lang: lang(),
        sent: String::new(),
        first: true,
        checked: Instant::now(),
    };
    let events = futures_util::stream::unfold(w, |mut w| async move {
        let ev = w.next().await?;
        Some((Ok::<_, Infallible>(ev), w))
    });
    let mut resp = Sse::new(events).keep_alive(KeepAlive::new().interval(crate::live::KEEP_ALIVE)).into_response();
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}

fn hours_table(b: &Board, rows: &[HourRow], tz: &TimeZone) -> Markup {
    let t = t();
    html! {
        @if rows.is_empty() { p.muted { (t.no_scans_yet) } }
        @else {
            div.scroll {
                table.hours {
                    thead { tr { th { (t.hour) } th { (t.gate) } th { (t.admitted) } th { (t.exits) } th { (t.refused) } } }
                    tbody {
                        @for r in rows {
                            tr { td { (show_ms(r.hour, tz)) } td { (b.gate_name(r.gate)) } td { (r.admitted) } td { (r.exits) } td { (r.refused) } }
                        }
                    }
                }
            }
        }
    }
}

/// The end-of-event report: the board, the per-gate per-hour summary, the downloads; printable.
pub async fn report_page(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let (event, m, tz) = open(&state, &s, event).await?;
    let b = Board::read(&state.db, event, now_ms()).await?.for_role(m.role);
    let rows = dashboard::hours(&state.db, event).await?;
    let no_shows = if m.role.can(Need::Manage) && b.no_shows.is_some() {
        Some(dashboard::no_shows(&state.db, event).await?)
    } else {
        None
    };
    let base = format!("/console/events/{}/report", event.0);
    let t = t();
    let body = html! {
        (event_tabs(event, &m, Tab::Report))
        p {
            (super::events::span_of(t, i64::from(b.starts_at), i64::from(b.ends_at), &tz))
            " · " (fill(t.printed_at, &[("when", &show_ms(b.now, &tz))]))
        }
        nav.actions.noprint {
            button type="button" data-print { (t.print) }
            a href={ (base) "/hours.csv" } download { (t.csv_hours) }
            @if m.role.can(Need::Operate) { a href={ (base) "/scans.csv" } download { (t.csv_scans) } }
            @if m.role.can(Need::Manage) {
                a href={ (base) "/attendance.csv" } download { (t.csv_attendance) }
                @if b.no_shows.is_some() { a href={ (base) "/no-shows.csv" } download { (t.csv_no_shows) } }
            }
        }
        (board(&b, &tz))
        h2 { (t.per_gate_hour) }
        (hours_table(&b, &rows, &tz))
        @if let Some(list) = &no_shows {
            h2 { (fill(t.no_shows_count, &[("n", &list.len().to_string())])) }
            div.scroll {
                table.no-shows {
                    thead { tr { th { (t.ticket) } th { (t.holder) } th { (t.ticket_type) } th { (t.email) } th { (t.phone) } } }
                    tbody { @for n in list { tr { td { (n.ticket) } td { (n.holder) } td { (n.ticket_type) } td { (n.email) } td { (n.phone) } } } }
                }
            }
        } @else if b.no_shows.is_none() {
            p.hint { (fill(t.no_shows_after, &[("n", &(watch::NO_SHOW_AFTER_MS / 60_000).to_string())])) }
        }
    };
    let title = fill(t.report_of, &[("event", &isolated(&b.name))]);
    let frame = Frame { title: &title, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(&s) };
    Ok(page(frame, body).into_response())
}

fn csv_answer(name: &str, body: String) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn csv_text(rows: impl IntoIterator<Item = Vec<String>>) -> Result<String, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).map_err(|e| crate::Error::Internal(format!("csv: {e}")))?;
    }
    String::from_utf8(w.into_inner().map_err(|e| crate::Error::Internal(format!("csv: {e}")))?)
        .map_err(|_| crate::Error::Internal("csv is not UTF-8".into()))
}

pub async fn hours_csv(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let (event, _, tz) = open(&state, &s, event).await?;
    let b = Board::read(&state.db, event, now_ms()).await?;
    let rows = dashboard::hours(&state.db, event).await?;
    let header = ["hour", "gate", "admitted", "exits", "refused"].map(String::from).to_vec();
    let lines = rows.iter().map(|r| {
        vec![
            super::when::input_value((r.hour / 1000) as i64, &tz),
            crate::util::spreadsheet_safe(b.gate_name(r.gate).to_string()),
            r.admitted.to_string(),
            r.exits.to_string(),
            r.refused.to_string(),
        ]
    });
    Ok(csv_answer("hours.csv", csv_text(std::iter::once(header).chain(lines))?))
}

pub async fn no_shows_csv(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, s.account, event, Need::Manage).await?;
    let list = dashboard::no_shows(&state.db, event).await?;
    let header = ["ticket", "holder", "ticket_type", "email", "phone"].map(String::from).to_vec();
    let safe = |s: &str| crate::util::spreadsheet_safe(s.to_string());
    let lines = list
        .iter()
        .map(|n| vec![n.ticket.to_string(), safe(&n.holder), safe(&n.ticket_type), safe(&n.email), safe(&n.phone)]);
    Ok(csv_answer("no-shows.csv", csv_text(std::iter::once(header).chain(lines))?))
}

pub async fn attendance_csv(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, s.account, event, Need::Manage).await?;
    Ok(csv_answer("attendance.csv", crate::checkins::export_csv(&state.db, event).await?))
}

pub async fn scans_csv(State(state): State<AppState>, Member(s): Member, Path(event): Path<u64>) -> Answer {
    let event = EventId(event);
    accounts::require_event(&state.db, s.account, event, Need::Operate).await?;
    Ok(csv_answer("scans.csv", crate::checkins::export_scans_csv(&state.db, event).await?))
}
