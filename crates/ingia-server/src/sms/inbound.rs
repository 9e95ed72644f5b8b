//! Check-in by SMS and USSD: the provider's callbacks (form-encoded, as Africa's Talking posts
//! them), under a secret path segment checked in constant time (the provider does not sign
//! its callbacks). A `CHECKIN <pin>` is decided by core's verdict over a one-ticket manifest,
//! recorded as a check-in of the event's SMS channel (a device row) and counted by the same
//! first-wins as every scanner's record (`checkins::submit`); the reply goes through the
//! outbox (SMS) or is the USSD answer (`END ...`).
//! Invariants: every attempt is a row of `sms_attempts` (once per provider message id or USSD
//! step: a retried callback changes nothing); core's `sms::may_try` is asked before a PIN is
//! looked up; a ticket with a number on file admits only from that number unless its event
//! allows any number.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ingia_core::conflict::SyncOutcome;
use ingia_core::i18n::fill;
use ingia_core::manifest::TicketEntry;
use ingia_core::pin::Pin;
use ingia_core::sms::{self, Command, Limited, UssdStep};
use ingia_core::verdict::{self, Presented, Refusal, Scan, Verdict};
use ingia_core::{CheckIn, DeviceId, EventId, GateId, Lang, Ledger, Movement, Role, ScanId, TicketId, UnixMillis};
use serde::Deserialize;
use sha2::Digest;
use sqlx::Row;

use crate::api::AppState;
use crate::db::{event_key, Db};
use crate::devices::DeviceAuth;
use crate::error::{Error, Result};
use crate::events::stored_status;
use crate::secrets::MasterKey;
use crate::util::now_ms;

/// An inbound SMS as the provider posts it.
#[derive(Debug, Deserialize)]
pub struct InboundSms {
    pub from: String,
    pub to: String,
    pub text: String,
    pub id: String,
    #[serde(default)]
    pub date: String,
    #[serde(rename = "linkId", default)]
    pub link_id: String,
}

/// One step of a USSD session as the provider posts it.
#[derive(Debug, Deserialize)]
pub struct UssdRequest {
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[serde(rename = "serviceCode")]
    pub service_code: String,
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
    #[serde(rename = "networkCode", default)]
    pub network_code: String,
    #[serde(default)]
    pub text: String,
}

/// A delivery report as the provider posts it.
#[derive(Debug, Deserialize)]
pub struct DeliveryReport {
    pub id: String,
    pub status: String,
    #[serde(rename = "phoneNumber", default)]
    pub phone_number: String,
    #[serde(rename = "failureReason", default)]
    pub failure_reason: String,
}

/// The secret path segment, compared without an early exit.
fn check_secret(state: &AppState, given: &str) -> Result<()> {
    let Some(expected) = state.sms_callback_secret.as_deref() else {
        return Err(Error::NotFound("route"));
    };
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(Error::NotFound("route"))
    }
}

fn bounded(what: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::BadRequest(format!("{what} is too long")));
    }
    Ok(())
}

/// A form body whose every name and value is UTF-8 once percent-decoded (serde_urlencoded would
/// replace bad bytes and go on: a text is refused instead, never read as something else).
fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    let bad = || Error::BadRequest("the callback's form is not as documented".into());
    for part in body.split(|b| *b == b'&').flat_map(|pair| pair.split(|b| *b == b'=')) {
        let mut decoded = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'%' => {
                    let hex = part.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
                    decoded.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                    i += 3;
                }
                b => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        std::str::from_utf8(&decoded).map_err(|_| bad())?;
    }
    serde_urlencoded::from_bytes(body).map_err(|_| bad())
}

/// `POST /api/v1/sms/{secret}/inbound`
pub async fn inbound_sms(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    check_secret(&state, &secret)?;
    let sms: InboundSms = form(&body)?;
    bounded("text", &sms.text, sms::MAX_TEXT)?;
    for (what, v) in [("from", &sms.from), ("to", &sms.to), ("id", &sms.id)] {
        bounded(what, v, 100)?;
        if v.trim().is_empty() {
            return Err(Error::BadRequest(format!("{what} is empty")));
        }
    }
    let inbound = format!("sms:{}", sms.id);
    // Until a ticket says whose it is: the keyword's language, else the number's, else the event's.
    let lang = match sms::keyword_lang(&sms.text) {
        Some(l) => l,
        None => number_lang(&state.db, &sms.from).await?,
    };
    let reply = match sms::parse_command(&sms.text) {
        Command::CheckIn(pin) => check_in(&state, Channel::Sms, &sms.from, &pin, &inbound, lang).await?,
        Command::Unknown => {
            // Counted like any attempt (the limits see it); a retried callback answers nothing new.
            let limited = limits(&state.db, &sms.from, now_ms()).await?.err();
            let outcome = if limited.is_some() { "limited" } else { "not_understood" };
            if !attempt(&state.db, &inbound, None, None, &sms.from, Channel::Sms, outcome).await? {
                return Ok(StatusCode::OK.into_response());
            }
            let w = lang.texts();
            let text = match limited {
                Some(l) => limited_text(lang, l).into(),
                None => fill(w.sms_help, &[("keyword", w.sms_keyword)]),
            };
            Reply { event: None, ticket: None, text }
        }
    };
    if let Some(event) = reply.event.or(single_open_event(&state.db).await?) {
        let _guard = state.db.write_guard().await;
        let mut tx = state.db.pool.begin().await?;
        super::enqueue_text(
            &mut tx,
            &state.keys.master,
            event,
            reply.ticket,
            &format!("reply:{inbound}"),
            &sms.from,
            &reply.text,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(StatusCode::OK.into_response())
}

/// `POST /api/v1/sms/{secret}/ussd`: the answer is plain text, `CON ` to go on, `END ` to close.
pub async fn ussd(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    check_secret(&state, &secret)?;
    let u: UssdRequest = form(&body)?;
    bounded("text", &u.text, 200)?;
    for (what, v) in [("sessionId", &u.session_id), ("phoneNumber", &u.phone_number), ("serviceCode", &u.service_code)]
    {
        bounded(what, v, 100)?;
        if v.trim().is_empty() {
            return Err(Error::BadRequest(format!("{what} is empty")));
        }
    }
    // The menu in the language on file for this number (else the event's).
    let lang = number_lang(&state.db, &u.phone_number).await?;
    let w = lang.texts();
    let answer = match sms::ussd_step(&u.text) {
        UssdStep::Menu => format!("CON {}", w.ussd_menu),
        UssdStep::AskPin => format!("CON {}", w.ussd_ask_pin),
        UssdStep::CheckIn(pin) => {
            let inbound = format!("ussd:{}:{}", u.session_id, u.text);
            format!("END {}", check_in(&state, Channel::Ussd, &u.phone_number, &pin, &inbound, lang).await?.text)
        }
        UssdStep::Resend => {
            format!("END {}", resend(&state, &u.phone_number, &format!("ussd:{}:2", u.session_id), lang).await?)
        }
        UssdStep::Invalid => format!("END {}", w.ussd_invalid),
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], answer).into_response())
}

/// `POST /api/v1/sms/{secret}/delivery`
pub async fn delivery(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    check_secret(&state, &secret)?;
    let d: DeliveryReport = form(&body)?;
    for (what, v) in [("id", &d.id), ("status", &d.status), ("failureReason", &d.failure_reason)] {
        bounded(what, v, 200)?;
    }
    super::delivery_report(&state.db, &d.id, &d.status, Some(&d.failure_reason)).await?;
    Ok(StatusCode::OK.into_response())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Sms,
    Ussd,
}

impl Channel {
    fn slug(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Ussd => "ussd",
        }
    }
}

/// What to answer, and for which event's outbox.
struct Reply {
    event: Option<EventId>,
    ticket: Option<TicketId>,
    text: String,
}

/// Events a text may be for: not over (6 h of grace) and starting within a week.
async fn open_events(db: &Db, now: u64) -> Result<Vec<(EventId, u8)>> {
    let secs = (now / 1000) as i64;
    let rows = sqlx::query(
        "SELECT id, pin_digits FROM events WHERE ends_secs + 21600 >= $1 AND starts_secs - 604800 <= $1 ORDER BY id",
    )
    .bind(secs)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((EventId(r.try_get::<i64, _>("id")? as u64), r.try_get::<i64, _>("pin_digits")? as u8)))
        .collect()
}

async fn single_open_event(db: &Db) -> Result<Option<EventId>> {
    let open = open_events(db, now_ms()).await?;
    Ok(if open.len() == 1 { Some(open[0].0) } else { None })
}

/// The language of a number before its ticket is known: the first on-file ticket under this
/// number in an event that is on (its own language, else its event's), else the one open
/// event's, else English.
async fn number_lang(db: &Db, phone: &str) -> Result<Lang> {
    for (event, _) in open_events(db, now_ms()).await? {
        let rows = sqlx::query(
            "SELECT t.phone, COALESCE(t.lang, e.lang) AS lang FROM tickets t JOIN events e ON e.id = t.event_id \
             WHERE t.event_id = $1 AND t.phone <> '' ORDER BY t.ticket_id",
        )
        .bind(event_key(event))
        .fetch_all(&db.pool)
        .await?;
        for row in rows {
            if sms::same_number(&row.try_get::<String, _>("phone")?, phone) {
                return Ok(Lang::from_tag(&row.try_get::<String, _>("lang")?).unwrap_or_default());
            }
        }
    }
    Ok(match single_open_event(db).await? {
        Some(event) => crate::events::lang(db, event).await?,
        None => Lang::En,
    })
}

async fn attempt(
    db: &Db,
    inbound: &str,
    event: Option<EventId>,
    ticket: Option<TicketId>,
    phone: &str,
    channel: Channel,
    outcome: &str,
) -> Result<bool> {
    let _guard = db.write_guard().await;
    let done = sqlx::query(
        "INSERT INTO sms_attempts (inbound_id, event_id, ticket_id, phone, channel, at, outcome) VALUES \
         ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (inbound_id) DO NOTHING",
    )
    .bind(inbound)
    .bind(event.map(event_key))
    .bind(ticket.map(|t| i64::from(t.0)))
    .bind(phone)
    .bind(channel.slug())
    .bind(now_ms() as i64)
    .bind(outcome)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Core's abuse limits over the attempts this number made (the one being decided excluded
/// when it is already stored: it counts from the next one).
async fn limits(db: &Db, phone: &str, now: u64) -> Result<std::result::Result<(), Limited>> {
    let counts = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM sms_attempts WHERE phone = $1 AND at > $2) AS recent, \
         (SELECT COUNT(*) FROM sms_attempts WHERE phone = $1 AND at > $3 AND outcome = 'unknown_pin') AS unknown",
    )
    .bind(phone)
    .bind((now - sms::ATTEMPT_WINDOW_MS) as i64)
    .bind((now - sms::BLOCK_WINDOW_MS) as i64)
    .fetch_one(&db.pool)
    .await?;
    let recent = counts.try_get::<i64, _>("recent")?.clamp(0, 1 << 20) as u32;
    let unknown = counts.try_get::<i64, _>("unknown")?.clamp(0, 1 << 20) as u32;
    Ok(sms::may_try(recent, unknown))
}

fn limited_text(lang: Lang, limited: Limited) -> &'static str {
    match limited {
        Limited::TooMany => lang.texts().sms_too_many,
        Limited::Blocked => lang.texts().sms_blocked,
    }
}

/// Decides one `CHECKIN <pin>` from `phone`; `lang` answers until the ticket gives its own.
async fn check_in(
    state: &AppState,
    channel: Channel,
    phone: &str,
    pin_text: &str,
    inbound: &str,
    lang: Lang,
) -> Result<Reply> {
    let db = &state.db;
    let now = now_ms();
    let seen = sqlx::query("SELECT outcome, event_id, ticket_id FROM sms_attempts WHERE inbound_id = $1")
        .bind(inbound)
        .fetch_optional(&db.pool)
        .await?;
    if seen.is_some() {
        // A callback the provider retried: decided already, its reply queued once.
        return Ok(Reply { event: None, ticket: None, text: lang.texts().sms_received.into() });
    }
    if let Err(limited) = limits(db, phone, now).await? {
        let outcome = match limited {
            Limited::TooMany => "limited",
            Limited::Blocked => "blocked",
        };
        attempt(db, inbound, None, None, phone, channel, outcome).await?;
        return Ok(Reply { event: None, ticket: None, text: limited_text(lang, limited).into() });
    }
    // The PIN names a ticket in one of the events that are on.
    let mut found = None;
    for (event, digits) in open_events(db, now).await? {
        let Ok(pin) = Pin::parse(pin_text, digits) else { continue };
        let row = sqlx::query(
            "SELECT t.ticket_id, t.holder, t.phone, t.type_id, t.status, t.sealed, t.revision, \
             COALESCE(t.lang, e.lang) AS lang FROM tickets t JOIN events e ON e.id = t.event_id \
             WHERE t.event_id = $1 AND t.pin_tag = $2 AND t.issued = 1",
        )
        .bind(event_key(event))
        .bind(state.keys.master.pin_tag(event, pin))
        .fetch_optional(&db.pool)
        .await?;
        if let Some(row) = row {
            found = Some((event, row));
            break;
        }
    }
    let Some((event, row)) = found else {
        attempt(db, inbound, None, None, phone, channel, "unknown_pin").await?;
        return Ok(Reply { event: None, ticket: None, text: lang.texts().sms_unknown_pin.into() });
    };
    let lang = Lang::from_tag(&row.try_get::<String, _>("lang")?).unwrap_or_default();
    let ticket = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
    let on_file: String = row.try_get("phone")?;
    let any_number: i64 = sqlx::query("SELECT sms_any_number FROM events WHERE id = $1")
        .bind(event_key(event))
        .fetch_one(&db.pool)
        .await?
        .try_get("sms_any_number")?;
    let reply = |text: String| Reply { event: Some(event), ticket: Some(ticket), text };
    if !on_file.trim().is_empty() && any_number == 0 && !sms::same_number(&on_file, phone) {
        attempt(db, inbound, Some(event), Some(ticket), phone, channel, "other_number").await?;
        return Ok(reply(lang.texts().sms_other_number.into()));
    }
    let decided = decide(db, &state.keys.master, event, ticket, &row, channel, pin_text, inbound, now, lang).await?;
    attempt(db, inbound, Some(event), Some(ticket), phone, channel, decided.0).await?;
    Ok(reply(decided.1))
}

/// Core's verdict over a one-ticket manifest, then the record through the scanners' first-wins.
#[allow(clippy::too_many_arguments)]
async fn decide(
    db: &Db,
    master: &MasterKey,
    event: EventId,
    ticket: TicketId,
    row: &sqlx::any::AnyRow,
    channel: Channel,
    pin_text: &str,
    inbound: &str,
    now: u64,
    lang: Lang,
) -> Result<(&'static str, String)> {
    let w = lang.texts();
    let (mut manifest, _) = crate::events::load_header(db, event).await?;
    let secrets = master.open_ticket(event, ticket, &row.try_get::<Vec<u8>, _>("sealed")?)?;
    let holder: String = row.try_get("holder")?;
    let type_id = ingia_core::TicketTypeId(row.try_get::<i64, _>("type_id")? as u8);
    manifest
        .upsert(TicketEntry {
            id: ticket,
            holder: holder.clone(),
            ticket_type: type_id,
            status: stored_status(&row.try_get::<String, _>("status")?)?,
            code_secret: secrets.code_secret,
            pin: secrets.pin,
            revision: row.try_get::<i64, _>("revision")? as u64,
            sealed: None,
        })
        .map_err(|_| Error::Internal("the ticket does not fit its manifest".into()))?;
    // The gate an SMS admission belongs to: the first its type enters by.
    let allowed = manifest.ticket_type(type_id).map(|t| t.policy.gates);
    let gate = manifest
        .gates
        .iter()
        .find(|g| allowed.is_none_or(|set| set.allows(g.id)))
        .map(|g| (g.id, g.name.clone()))
        .unwrap_or_else(|| (GateId(0), ingia_core::words::unnamed_gate(lang, GateId(0))));
    let presented = Presented::Phone(pin_text);
    let scan = Scan { presented, movement: Movement::Entry };
    let verdict = verdict::validate(&scan, &manifest, &Ledger::new(), gate.0, UnixMillis(now));
    let device = channel_device(db, event, gate.0).await?;
    let digest = sha2::Sha256::digest(inbound.as_bytes());
    let scan_id = ScanId(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) >> 1);
    let staff = match channel {
        Channel::Sms => "SMS",
        Channel::Ussd => "USSD",
    };
    let record = CheckIn::from_verdict(
        device,
        scan_id,
        event,
        gate.0,
        staff,
        UnixMillis(now),
        Movement::Entry,
        &verdict,
        presented,
        manifest.event.pin_digits,
    );
    let auth = DeviceAuth { device, event, gate: gate.0, role: Role::Steward, moved: None, phone: true };
    let outcome = crate::checkins::submit(db, master, &auth, &record, now).await?.outcome;
    let first_name = sms::first_name(&holder);
    let tz = crate::console::when::zone(&manifest.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let gate_name = |id: GateId| {
        manifest
            .gates
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| ingia_core::words::unnamed_gate(lang, id), |g| g.name.clone())
    };
    Ok(match (&verdict, outcome) {
        (Verdict::Admit { .. }, SyncOutcome::Accepted { .. }) => {
            let code = sms::gate_code(&record.proof).unwrap_or_default();
            ("admitted", fill(w.sms_welcome, &[("name", &first_name), ("code", &code), ("gate", &gate.1)]))
        }
        (_, SyncOutcome::Conflict { winner }) => {
            let time = crate::console::when::clock_ms(winner.at.0, &tz);
            ("already_checked_in", fill(w.sms_already_at, &[("time", &time), ("gate", &gate_name(winner.gate))]))
        }
        (Verdict::Refuse { reason, .. }, _) => ("refused", refusal_text(lang, reason, &tz)),
        _ => ("refused", w.sms_cannot.into()),
    })
}

fn refusal_text(lang: Lang, reason: &Refusal, tz: &jiff::tz::TimeZone) -> String {
    let w = lang.texts();
    match reason {
        Refusal::NotYetValid { from } => {
            fill(w.sms_not_yet, &[("when", &crate::console::when::numeric_ms(from.0, tz))])
        }
        Refusal::Expired { .. } => w.sms_expired.into(),
        Refusal::Refunded => w.sms_refunded.into(),
        Refusal::Revoked | Refusal::Blocked => w.sms_not_valid.into(),
        Refusal::CodeRequired | Refusal::WayNotAccepted => w.sms_not_by_sms.into(),
        Refusal::AlreadyCheckedIn(stamp) => {
            fill(w.sms_already, &[("time", &crate::console::when::clock_ms(stamp.at.0, tz))])
        }
        _ => w.sms_cannot.into(),
    }
}

/// The event's SMS channel: a device row that never pairs (no token), made on first use.
async fn channel_device(db: &Db, event: EventId, gate: GateId) -> Result<DeviceId> {
    let find = || async {
        sqlx::query("SELECT id FROM devices WHERE event_id = $1 AND channel = 'sms' ORDER BY id LIMIT 1")
            .bind(event_key(event))
            .fetch_optional(&db.pool)
            .await
    };
    if let Some(row) = find().await? {
        return Ok(DeviceId(row.try_get::<i64, _>("id")? as u32));
    }
    {
        let _guard = db.write_guard().await;
        if find().await?.is_none() {
            sqlx::query(
                "INSERT INTO devices (event_id, gate_id, role, name, channel, created_at) VALUES ($1, $2, 'steward', \
                 'SMS and USSD', 'sms', $3)",
            )
            .bind(event_key(event))
            .bind(i64::from(gate.0))
            .bind(now_ms() as i64)
            .execute(&db.pool)
            .await?;
        }
    }
    let row = find().await?.ok_or_else(|| Error::Internal("the SMS channel was not made".into()))?;
    Ok(DeviceId(row.try_get::<i64, _>("id")? as u32))
}

/// USSD "send my ticket SMS again": the PIN (the wallet link was sent once and is not kept) to
/// this number, for the ticket on file under it; limited like a check-in.
async fn resend(state: &AppState, phone: &str, inbound: &str, lang: Lang) -> Result<String> {
    let db = &state.db;
    let now = now_ms();
    let recent: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sms_attempts WHERE phone = $1 AND at > $2")
        .bind(phone)
        .bind((now - sms::ATTEMPT_WINDOW_MS) as i64)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    if sms::may_try(recent.clamp(0, 1 << 20) as u32, 0).is_err() {
        attempt(db, inbound, None, None, phone, Channel::Ussd, "limited").await?;
        return Ok(lang.texts().sms_too_many.into());
    }
    for (event, _) in open_events(db, now).await? {
        let rows = sqlx::query(
            "SELECT ticket_id, phone, sealed, type_id FROM tickets WHERE event_id = $1 AND issued = 1 AND phone <> '' \
             AND status = 'active' ORDER BY ticket_id",
        )
        .bind(event_key(event))
        .fetch_all(&db.pool)
        .await?;
        for row in rows {
            if !sms::same_number(&row.try_get::<String, _>("phone")?, phone) {
                continue;
            }
            let ticket = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
            if !attempt(db, inbound, Some(event), Some(ticket), phone, Channel::Ussd, "resent").await? {
                return Ok(lang.texts().sms_on_its_way.into());
            }
            let secrets = state.keys.master.open_ticket(event, ticket, &row.try_get::<Vec<u8>, _>("sealed")?)?;
            let (header, _) = crate::events::load_header(db, event).await?;
            let ways = super::type_ways(&header, row.try_get::<i64, _>("type_id")?);
            if !ways.uses_pin() {
                // Its type takes the live code only: the SMS would carry nothing that admits.
                return Ok(lang.texts().sms_app_only.into());
            }
            let shortcode = state.sms_shortcode.as_deref();
            let text = sms::ticket_text(lang, &header.event.name, secrets.pin, ways, None, shortcode);
            let _guard = db.write_guard().await;
            let mut tx = db.pool.begin().await?;
            super::enqueue_text(
                &mut tx,
                &state.keys.master,
                event,
                Some(ticket),
                &format!("resend:{inbound}"),
                phone,
                &text,
            )
            .await?;
            tx.commit().await?;
            return Ok(lang.texts().sms_on_its_way.into());
        }
    }
    attempt(db, inbound, None, None, phone, Channel::Ussd, "no_ticket").await?;
    Ok(lang.texts().sms_no_ticket.into())
}
