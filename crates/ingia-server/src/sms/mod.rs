//! Feature phones: texts out (the ticket SMS at issue, replies to check-ins) through a durable
//! outbox, and check-in by SMS and USSD in (`inbound`), through one provider (`provider`).
//! Invariants: a text is queued once (its `once` key); its secret part (the wallet token, or a
//! reply naming the holder) is sealed under the master key until sent, then deleted; one
//! text is claimed at a time and its state written right after the provider answers, so a
//! stopped server resends at most the one text it was sending (after its claim times out);
//! an event sends at most its daily cap; the same retry rule as mail.

pub mod inbound;
pub mod provider;

use ingia_core::{EventId, TicketId, Ways};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::secrets::MasterKey;
use crate::util::now_ms;
pub use provider::Provider;

/// Tries before a text is failed for good; the waits between them.
pub const ATTEMPTS: i64 = 5;
const BACKOFF_SECS: [u64; 5] = [15, 60, 300, 1200, 3600];
/// A claim older than this is a sender that stopped mid-way (one send times out after 10 s).
pub const CLAIM_TIMEOUT_MS: i64 = 20_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What the texts say: the server's address (wallet links) and the number to text.
#[derive(Debug, Clone)]
pub struct Texts {
    pub base_url: String,
    /// The shortcode or number attendees text `CHECKIN` to (the ticket SMS names it).
    pub shortcode: Option<String>,
}

fn sealed_context(once: &str) -> Vec<u8> {
    format!("ingia sms {once}").into_bytes()
}

/// Queues a ticket's SMS inside the transaction that issues it.
pub async fn enqueue_ticket(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    master: &MasterKey,
    event: EventId,
    ticket: TicketId,
    phone: &str,
    wallet_token: &str,
) -> Result<()> {
    let once = format!("ticket:{}:{}", event.0, ticket.0);
    insert(tx, master, event, Some(ticket), &once, phone, "ticket", wallet_token.as_bytes()).await
}

/// Queues a reply (or a resend) with its whole text.
pub async fn enqueue_text(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    master: &MasterKey,
    event: EventId,
    ticket: Option<TicketId>,
    once: &str,
    phone: &str,
    text: &str,
) -> Result<()> {
    insert(tx, master, event, ticket, once, phone, "text", text.as_bytes()).await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    master: &MasterKey,
    event: EventId,
    ticket: Option<TicketId>,
    once: &str,
    phone: &str,
    kind: &str,
    secret: &[u8],
) -> Result<()> {
    let now = now_ms() as i64;
    sqlx::query(
        "INSERT INTO sms_outbox (event_id, ticket_id, once, phone, kind, sealed, state, attempts, next_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $7) ON CONFLICT (once) DO NOTHING",
    )
    .bind(event_key(event))
    .bind(ticket.map(|t| i64::from(t.0)))
    .bind(once)
    .bind(phone.trim())
    .bind(kind)
    .bind(master.seal(&sealed_context(once), secret))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sender: sends due texts until `stop`. Several instances may run it: each text is
/// claimed by one.
pub async fn run(
    db: Db,
    master: MasterKey,
    provider: Provider,
    texts: Texts,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let sent = match send_due(&db, &master, &provider, &texts).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "sms: sending failed");
                0
            }
        };
        if sent == 0 {
            let mut stop = stop.clone();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), stop.changed()).await;
        }
    }
}

/// Sends due texts, one claimed at a time, until none is due (or 200 went); how many it tried.
pub async fn send_due(db: &Db, master: &MasterKey, provider: &Provider, texts: &Texts) -> Result<usize> {
    let mut tried = 0;
    while tried < 200 {
        let now = now_ms() as i64;
        let claimed = {
            let _guard = db.write_guard().await;
            sqlx::query(
                "UPDATE sms_outbox SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE id = \
                 (SELECT id FROM sms_outbox WHERE (state = 'queued' AND next_at <= $1) OR (state = 'sending' AND \
                 claimed_at < $2) ORDER BY next_at, id LIMIT 1) AND (state = 'queued' OR claimed_at < $2) \
                 RETURNING id, event_id, ticket_id, phone, kind, sealed, once, attempts",
            )
            .bind(now)
            .bind(now - CLAIM_TIMEOUT_MS)
            .fetch_optional(&db.pool)
            .await?
        };
        let Some(row) = claimed else { break };
        tried += 1;
        let id: i64 = row.try_get("id")?;
        let event = EventId(row.try_get::<i64, _>("event_id")? as u64);
        if over_cap(db, event, now).await? {
            // Held until the day's count falls (the organizer sees it queued, with the reason).
            sqlx::query(
                "UPDATE sms_outbox SET state = 'queued', attempts = attempts - 1, next_at = $1, \
                 last_error = 'the event''s daily SMS cap is reached' WHERE id = $2",
            )
            .bind(now + 600_000)
            .bind(id)
            .execute(&db.pool)
            .await?;
            continue;
        }
        let attempts: i64 = row.try_get("attempts")?;
        let phone: String = row.try_get("phone")?;
        let outcome = match compose(db, master, texts, event, &row).await {
            Ok(text) => {
                let segments = ingia_core::sms::segments(&text).count as i64;
                (provider.send(&phone, &text).await, segments)
            }
            Err(e) => (Err(provider::Refused { reason: e.to_string(), permanent: true }), 0),
        };
        let now = now_ms() as i64;
        let (state, reason, next_at, provider_id) = match outcome.0 {
            Ok(accepted) => ("sent", None, now, accepted.id),
            Err(r) if r.permanent || attempts >= ATTEMPTS => ("failed", Some(r.reason), now, None),
            Err(r) => {
                let wait = BACKOFF_SECS[(attempts.max(1) as usize - 1).min(BACKOFF_SECS.len() - 1)];
                ("queued", Some(r.reason), now + wait as i64 * 1000, None)
            }
        };
        if state == "failed" {
            tracing::warn!(event = event.0, outbox = id, reason = ?reason, "sms failed");
        }
        // A sent text's secret part is deleted; a failed one keeps it for "send again".
        sqlx::query(
            "UPDATE sms_outbox SET state = $1, last_error = $2, next_at = $3, provider_id = $4, segments = $5, \
             sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END, \
             sealed = CASE WHEN $1 = 'sent' THEN NULL ELSE sealed END WHERE id = $6",
        )
        .bind(state)
        .bind(reason)
        .bind(next_at)
        .bind(provider_id)
        .bind(outcome.1)
        .bind(id)
        .execute(&db.pool)
        .await?;
    }
    Ok(tried)
}

async fn over_cap(db: &Db, event: EventId, now: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT e.sms_daily_cap AS cap, (SELECT COUNT(*) FROM sms_outbox o WHERE o.event_id = e.id AND \
         o.sent_at > $2) AS sent FROM events e WHERE e.id = $1",
    )
    .bind(event_key(event))
    .bind(now - DAY_MS)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("sent")? >= r.try_get::<i64, _>("cap")?,
        None => true,
    })
}

/// A claimed row's text: a reply as stored; a ticket's from the event, the PIN and the link.
async fn compose(
    db: &Db,
    master: &MasterKey,
    texts: &Texts,
    event: EventId,
    row: &sqlx::any::AnyRow,
) -> Result<String> {
    let once: String = row.try_get("once")?;
    let sealed: Vec<u8> = row
        .try_get::<Option<Vec<u8>>, _>("sealed")?
        .ok_or_else(|| Error::Internal("the text has no content".into()))?;
    let secret = String::from_utf8(master.open(&sealed_context(&once), &sealed)?)
        .map_err(|_| Error::Internal("the text is damaged".into()))?;
    if row.try_get::<String, _>("kind")? != "ticket" {
        return Ok(secret);
    }
    let ticket = TicketId(
        row.try_get::<Option<i64>, _>("ticket_id")?
            .ok_or_else(|| Error::Internal("a ticket text without its ticket".into()))? as u32,
    );
    let t = crate::tickets::open(db, master, event, ticket).await?;
    let (header, _) = crate::events::load_header(db, event).await?;
    let link = format!("{}/wallet#{secret}", texts.base_url.trim_end_matches('/'));
    let ways = type_ways(&header, i64::from(t.type_id));
    let lang = crate::attendees::lang(db, event, ticket).await?;
    Ok(ingia_core::sms::ticket_text(
        lang,
        &header.event.name,
        t.secrets.pin,
        ways,
        Some(&link),
        texts.shortcode.as_deref(),
    ))
}

/// The ways in of a ticket's type (every way if the type is unknown: the gates decide anyway).
pub fn type_ways(header: &ingia_core::Manifest, type_id: i64) -> Ways {
    header.ticket_types.iter().find(|t| i64::from(t.id.0) == type_id).map_or(Ways::ALL, |t| t.policy.ways)
}

/// "Send again" for a ticket SMS that failed before it left (an invalid number since corrected,
/// the provider's balance): queued afresh with its tries reset. One that failed after it left
/// (a delivery report) no longer holds its link: the ticket is reissued instead.
pub async fn retry(db: &Db, event: EventId, ticket: TicketId, actor: &str) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sms_outbox SET state = 'queued', attempts = 0, next_at = $1, last_error = NULL WHERE event_id = $2 \
         AND ticket_id = $3 AND kind = 'ticket' AND state = 'failed' AND sealed IS NOT NULL",
    )
    .bind(now_ms() as i64)
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::BadRequest(
            "only a ticket SMS that failed before it was sent can be sent again (its link is not kept once sent: \
             reissue the ticket for a new one)"
                .into(),
        ));
    }
    crate::audit::record(db, Some(event), actor, "ticket.sms.retry", &format!("ticket {ticket}")).await
}

/// One text of the outbox as the organizer sees it (never its content).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub id: i64,
    pub ticket: Option<u32>,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub segments: i64,
    pub last_error: Option<String>,
}

/// The outbox of an event (latest first).
pub async fn list(db: &Db, event: EventId) -> Result<Vec<Listed>> {
    let rows = sqlx::query(
        "SELECT id, ticket_id, kind, state, attempts, segments, last_error FROM sms_outbox WHERE event_id = $1 \
         ORDER BY id DESC",
    )
    .bind(event_key(event))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                id: r.try_get("id")?,
                ticket: r.try_get::<Option<i64>, _>("ticket_id")?.map(|t| t as u32),
                kind: r.try_get("kind")?,
                state: r.try_get("state")?,
                attempts: r.try_get("attempts")?,
                segments: r.try_get("segments")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}

/// A delivery report from the provider (its documented form fields): the text's final state.
pub async fn delivery_report(db: &Db, id: &str, status: &str, reason: Option<&str>) -> Result<bool> {
    let now = now_ms() as i64;
    let (state, error) = match status {
        "Success" => ("delivered", None),
        "Failed" | "Rejected" | "Expired" | "AbsentSubscriber" => {
            ("failed", Some(reason.filter(|r| !r.is_empty()).unwrap_or(status).chars().take(80).collect::<String>()))
        }
        // Sent, Submitted, Buffered: still on its way.
        _ => return Ok(false),
    };
    let done = sqlx::query(
        "UPDATE sms_outbox SET state = $1, last_error = $2, delivered_at = CASE WHEN $1 = 'delivered' THEN $3 ELSE \
         delivered_at END WHERE provider_id = $4 AND state IN ('sent', 'delivered', 'failed')",
    )
    .bind(state)
    .bind(error)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// What issuing the pending attendees' tickets will text: how many SMS, and the segments of
/// each at most (the ticket text at its real length, in each attendee's language: the event's
/// name, a PIN, a wallet link).
pub async fn estimate(
    db: &Db,
    header: &ingia_core::Manifest,
    base_url: &str,
    shortcode: Option<&str>,
) -> Result<(u64, u64)> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tickets WHERE event_id = $1 AND issued = 0 AND phone <> ''")
        .bind(event_key(header.event.id))
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let pin = ingia_core::pin::Pin::new(0, header.event.pin_digits.clamp(6, 8))
        .ok_or_else(|| Error::Internal("the event's PIN length".into()))?;
    let link = format!("{}/wallet#{}", base_url.trim_end_matches('/'), crate::util::wallet_secret());
    // The longest text (every way named) in the longest of their languages: an upper bound.
    let langs = sqlx::query(
        "SELECT DISTINCT COALESCE(t.lang, e.lang) AS lang FROM tickets t JOIN events e ON e.id = t.event_id \
         WHERE t.event_id = $1 AND t.issued = 0 AND t.phone <> ''",
    )
    .bind(event_key(header.event.id))
    .fetch_all(&db.pool)
    .await?;
    let mut segments = 0;
    for row in langs {
        let lang = ingia_core::Lang::from_tag(&row.try_get::<String, _>("lang")?).unwrap_or_default();
        let text = ingia_core::sms::ticket_text(lang, &header.event.name, pin, Ways::ALL, Some(&link), shortcode);
        segments = segments.max(ingia_core::sms::segments(&text).count as u64);
    }
    Ok((n.max(0) as u64, segments))
}
