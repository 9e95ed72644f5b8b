//! Ticket mail over SMTP (lettre): the wallet link, the PIN and the printable QR, in a mail that
//! renders in common clients (a table layout, inline styles, the QR as an inline PNG, a plain
//! text part). Deliveries are rows (`deliveries`): queued when a ticket is issued, claimed by
//! one sender at a time, retried with backoff, failed with the reason.
//! Invariants: a ticket is queued once (its primary key); the wallet link's secret is sealed
//! under the master key until the mail is sent, then deleted; a mail the server was sending
//! when it stopped is sent again, after its claim times out, with the same Message-ID (mailboxes
//! fold the two into one), so a restart loses nothing. Alert mails (`alert_mails`, one per
//! alert raised, to the event's address for alerts) follow the same queue and retry rule.

use ingia_core::i18n::fill;
use ingia_core::{EventId, TicketId};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::secrets::MasterKey;
use crate::util::now_ms;

/// Tries before a delivery is failed for good; the waits between them.
pub const ATTEMPTS: i64 = 5;
const BACKOFF_SECS: [u64; 5] = [30, 120, 600, 1800, 3600];

fn link_context(event: EventId, ticket: TicketId) -> Vec<u8> {
    format!("ingia delivery {} ticket {}", event.0, ticket.0).into_bytes()
}

/// Queues a ticket's mail inside the transaction that issues it.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    master: &MasterKey,
    event: EventId,
    ticket: TicketId,
    email: &str,
    wallet_token: &str,
) -> Result<()> {
    let now = now_ms() as i64;
    sqlx::query(
        "INSERT INTO deliveries (event_id, ticket_id, email, state, attempts, next_at, sealed_link, created_at) \
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $4) ON CONFLICT (event_id, ticket_id) DO NOTHING",
    )
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .bind(email)
    .bind(now)
    .bind(master.seal(&link_context(event, ticket), wallet_token.as_bytes()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts a failed delivery back in the queue (the organizer's "send again").
pub async fn retry(db: &Db, event: EventId, ticket: TicketId, actor: &str) -> Result<()> {
    let done = sqlx::query(
        "UPDATE deliveries SET state = 'queued', attempts = 0, next_at = $1 WHERE event_id = $2 AND ticket_id = $3 \
         AND state = 'failed' AND sealed_link IS NOT NULL",
    )
    .bind(now_ms() as i64)
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::BadRequest("only a failed mail can be sent again".into()));
    }
    crate::audit::record(db, Some(event), actor, "ticket.mail.retry", &format!("ticket {ticket}")).await
}

/// The SMTP server and the sender's address, from `INGIA_SMTP_URL` (`smtp://host:port` on a
/// trusted network, `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host:465`)
/// and `INGIA_MAIL_FROM`.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where the wallet links point.
    base_url: String,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str, base_url: &str) -> Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| Error::BadRequest("INGIA_SMTP_URL is not an smtp:// or smtps:// address".into()))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| Error::BadRequest(format!("INGIA_MAIL_FROM `{from}` is not an email address")))?;
        Ok(Mailer { transport, from, base_url: base_url.trim_end_matches('/').to_string() })
    }
}

/// The sender: sends due deliveries until `stop`, then returns. Several server instances may run
/// it on one database: each delivery is claimed by one.
pub async fn run(db: Db, master: MasterKey, mailer: Mailer, stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = requeue_interrupted(&db).await {
            tracing::error!(error = %e, "mail: cannot requeue interrupted deliveries");
        }
        let mut sent = 0;
        for round in [send_due(&db, &master, &mailer).await, send_alerts_due(&db, &mailer).await] {
            match round {
                Ok(n) => sent += n,
                Err(e) => tracing::error!(error = %e, "mail: sending failed"),
            }
        }
        if sent == 0 {
            let mut stop = stop.clone();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), stop.changed()).await;
        }
    }
}

/// A claim older than this is a sender that stopped mid-way (one send times out after 30 s).
const CLAIM_TIMEOUT_MS: i64 = 120_000;

/// Mails a stopped sender was sending go again (same Message-ID): run when a sender starts and
/// before each round, so another instance's stop is noticed too.
pub async fn requeue_interrupted(db: &Db) -> Result<u64> {
    let mut n = 0;
    for table in ["deliveries", "alert_mails"] {
        let sql = format!("UPDATE {table} SET state = 'queued' WHERE state = 'sending' AND claimed_at < $1");
        n += sqlx::query(&sql).bind(now_ms() as i64 - CLAIM_TIMEOUT_MS).execute(&db.pool).await?.rows_affected();
    }
    Ok(n)
}

/// Claims and sends what is due; how many it tried.
pub async fn send_due(db: &Db, master: &MasterKey, mailer: &Mailer) -> Result<usize> {
    let now = now_ms() as i64;
    let claimed = {
        let _guard = db.write_guard().await;
        sqlx::query(
            "UPDATE deliveries SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE state = 'queued' AND next_at <= $1 \
             AND (event_id, ticket_id) IN (SELECT event_id, ticket_id FROM deliveries WHERE state = 'queued' \
             AND next_at <= $1 ORDER BY next_at LIMIT 20) RETURNING event_id, ticket_id, email, sealed_link, attempts",
        )
        .bind(now)
        .fetch_all(&db.pool)
        .await?
    };
    for row in &claimed {
        let event = EventId(row.try_get::<i64, _>("event_id")? as u64);
        let ticket = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
        let attempts: i64 = row.try_get("attempts")?;
        let outcome = deliver(mailer, compose(db, master, mailer, event, ticket, row).await).await;
        let Next { state, reason, next_at, sent_at } = next(outcome, attempts);
        if state == "failed" {
            tracing::warn!(event = event.0, ticket = ticket.0, reason = ?reason, "mail failed");
        }
        // A sent mail's link secret is deleted; a failed one keeps it for "send again".
        sqlx::query(
            "UPDATE deliveries SET state = $1, last_error = $2, next_at = $3, sent_at = $4, \
             sealed_link = CASE WHEN $1 = 'sent' THEN NULL ELSE sealed_link END WHERE event_id = $5 AND ticket_id = $6",
        )
        .bind(state)
        .bind(reason)
        .bind(next_at)
        .bind(sent_at)
        .bind(event_key(event))
        .bind(i64::from(ticket.0))
        .execute(&db.pool)
        .await?;
    }
    Ok(claimed.len())
}

/// A mail's row after one try: sent, queued again after its backoff, or failed for good.
struct Next {
    state: &'static str,
    reason: Option<String>,
    next_at: i64,
    sent_at: Option<i64>,
}

/// The one retry rule of every mail: a permanent refusal or the last try fails it; otherwise
/// it waits its backoff.
fn next(outcome: std::result::Result<(), (String, bool)>, attempts: i64) -> Next {
    let now = now_ms() as i64;
    match outcome {
        Ok(()) => Next { state: "sent", reason: None, next_at: now, sent_at: Some(now) },
        Err((reason, permanent)) if permanent || attempts >= ATTEMPTS => {
            Next { state: "failed", reason: Some(reason), next_at: now, sent_at: None }
        }
        Err((reason, _)) => {
            let wait = BACKOFF_SECS[(attempts.max(1) as usize - 1).min(BACKOFF_SECS.len() - 1)];
            Next { state: "queued", reason: Some(reason), next_at: now + wait as i64 * 1000, sent_at: None }
        }
    }
}

/// Sends `message`; an error as (the reason in one line, whether retrying is pointless).
async fn deliver(mailer: &Mailer, message: Result<Message>) -> std::result::Result<(), (String, bool)> {
    match message {
        Ok(message) => mailer.transport.send(message).await.map(|_| ()).map_err(|e| {
            let permanent = e.is_permanent();
            (plain_reason(&e.to_string()), permanent)
        }),
        Err(e) => Err((e.to_string(), true)),
    }
}

/// Claims and sends the alert mails that are due (capacity steps, forgery spikes: see
/// `dashboard::watch`); how many it tried. Each alert is mailed once (its row's key).
pub async fn send_alerts_due(db: &Db, mailer: &Mailer) -> Result<usize> {
    let now = now_ms() as i64;
    let claimed = {
        let _guard = db.write_guard().await;
        sqlx::query(
            "UPDATE alert_mails SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE state = 'queued' AND next_at <= $1 \
             AND (event_id, once) IN (SELECT event_id, once FROM alert_mails WHERE state = 'queued' \
             AND next_at <= $1 ORDER BY next_at LIMIT 20) RETURNING event_id, once, email, kind, detail, facts, attempts",
        )
        .bind(now)
        .fetch_all(&db.pool)
        .await?
    };
    for row in &claimed {
        let event = EventId(row.try_get::<i64, _>("event_id")? as u64);
        let once: String = row.try_get("once")?;
        let attempts: i64 = row.try_get("attempts")?;
        let message = compose_alert(db, mailer, event, &once, row).await;
        let Next { state, reason, next_at, sent_at } = next(deliver(mailer, message).await, attempts);
        if state == "failed" {
            tracing::warn!(event = event.0, reason = ?reason, "alert mail failed");
        }
        sqlx::query(
            "UPDATE alert_mails SET state = $1, last_error = $2, next_at = $3, sent_at = $4 WHERE event_id = $5 AND once = $6",
        )
        .bind(state)
        .bind(reason)
        .bind(next_at)
        .bind(sent_at)
        .bind(event_key(event))
        .bind(&once)
        .execute(&db.pool)
        .await?;
    }
    Ok(claimed.len())
}

async fn compose_alert(
    db: &Db,
    mailer: &Mailer,
    event: EventId,
    once: &str,
    row: &sqlx::any::AnyRow,
) -> Result<Message> {
    let to: String = row.try_get("email")?;
    let to = to.parse::<Mailbox>().map_err(|_| Error::BadRequest(format!("`{to}` is not an email address")))?;
    let kind: String = row.try_get("kind")?;
    let detail: String = row.try_get("detail")?;
    let facts: String = row.try_get("facts")?;
    let (header, _) = crate::events::load_header(db, event).await?;
    // In the event's language (the organizer's team reads the console in it too, most likely).
    let lang = crate::events::lang(db, event).await?;
    let t = lang.console();
    let title = ingia_core::watch::alert_title(lang, &kind);
    let detail = ingia_core::watch::alert_detail(lang, &kind, &facts).unwrap_or(detail);
    let link = format!("{}/console/events/{}/live", mailer.base_url, event.0);
    let fill = ingia_core::i18n::fill;
    let headline = fill(t.alert_mail_line, &[("title", title), ("event", &header.event.name), ("detail", &detail)]);
    let text = format!("{headline}\n\n{}\n", fill(t.alert_mail_link, &[("link", &link)]));
    let host = mailer.from.email.domain().to_string();
    // The once key is letters, digits, `_` and `:`; the Message-ID keeps only the first two.
    let id: String = once.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(fill(t.alert_mail_subject, &[("title", title), ("event", &header.event.name)]))
        .message_id(Some(format!("<alert-{}-{id}@{host}>", event.0)))
        .singlepart(SinglePart::plain(text))
        .map_err(|e| Error::Internal(format!("mail: {e}")))
}

/// An SMTP error as the organizer reads it: one line, not too long.
fn plain_reason(s: &str) -> String {
    let line: String = s.lines().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

async fn compose(
    db: &Db,
    master: &MasterKey,
    mailer: &Mailer,
    event: EventId,
    ticket: TicketId,
    row: &sqlx::any::AnyRow,
) -> Result<Message> {
    let sealed: Option<Vec<u8>> = row.try_get("sealed_link")?;
    let sealed = sealed.ok_or_else(|| Error::Internal("the delivery has no link".into()))?;
    let wallet_token = String::from_utf8(master.open(&link_context(event, ticket), &sealed)?)
        .map_err(|_| Error::Internal("the delivery's link is damaged".into()))?;
    let to: String = row.try_get("email")?;
    let to = to.parse::<Mailbox>().map_err(|_| Error::BadRequest(format!("`{to}` is not an email address")))?;
    let crate::tickets::Opened { holder, type_id, secrets } = crate::tickets::open(db, master, event, ticket).await?;
    let (header, _) = crate::events::load_header(db, event).await?;
    let type_name = header.ticket_types.iter().find(|x| x.id.0 == type_id).map(|x| x.name.as_str()).unwrap_or("");
    let tz = crate::console::when::zone(&header.event.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    // In the attendee's language (theirs, else the event's); the date numeric: no month names.
    let lang = crate::attendees::lang(db, event, ticket).await?;
    let w = lang.texts();
    let when = crate::console::when::numeric_ms(header.event.starts_at * 1000, &tz);
    let link = format!("{}/wallet#{wallet_token}", mailer.base_url);
    let pin = secrets.pin.to_string();
    let ev = &header.event;
    // Only the ways the ticket's type takes: a PIN where it opens something, the printed code
    // where a printout admits (a live-only type's mail carries no QR that the gate would refuse).
    let ways = crate::sms::type_ways(&header, i64::from(type_id));
    let pin_label = ways.pin_label(lang);
    let keep = if pin_label.is_some() { w.mail_keep_link_pin } else { w.mail_keep_link };
    let number = ticket.0.to_string();
    let ticket_line = fill(w.mail_ticket_line, &[("type", type_name), ("ticket", &number)]);
    let mut text = format!(
        "{}\n\n{when}\n{venue}\n{ticket_line}\n\n{}\n{link}\n\n",
        fill(w.mail_greeting, &[("holder", &holder), ("event", &ev.name)]),
        w.mail_open,
        venue = ev.venue,
    );
    if let Some(label) = pin_label {
        text.push_str(&format!("{} {pin}\n", fill(w.mail_no_phone, &[("label", label)])));
    }
    if ways.printed {
        text.push_str(w.mail_print);
        text.push('\n');
    }
    text.push_str(&format!("\n{keep}\n"));
    let e = |s: &str| maud::html! { (s) }.into_string();
    let html = format!(
        r#"<!doctype html><html lang="{lang}" dir="{dir}"><body style="margin:0;padding:0;background:#f4f6f5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f6f5"><tr><td align="center" style="padding:16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;color:#102018">
<tr><td style="background:#0b3d2e;color:#ffffff;padding:16px 20px;font-size:20px;font-weight:bold;border-radius:8px 8px 0 0">{name}</td></tr>
<tr><td style="padding:20px;font-size:16px;line-height:1.5">
<p style="margin:0 0 12px">{this_is}</p>
<p style="margin:0 0 12px"><strong>{when}</strong><br>{venue}<br>{ticket_line}</p>
<p style="margin:20px 0;text-align:center"><a href="{link}" style="background:#138a52;color:#ffffff;text-decoration:none;padding:14px 22px;border-radius:6px;font-weight:bold;display:inline-block">{button}</a></p>
<p style="margin:0 0 12px">{offline}</p>
{pin_part}{printed_part}<p style="margin:0;font-size:13px;color:#5a6b62">{keep}</p>
</td></tr></table></td></tr></table></body></html>"#,
        lang = lang.tag(),
        dir = if lang.rtl() { "rtl" } else { "ltr" },
        name = e(&ev.name),
        this_is = e(&fill(w.mail_this_is, &[("holder", &holder)])),
        when = e(&when),
        venue = e(&ev.venue),
        ticket_line = e(&ticket_line),
        link = e(&link),
        button = e(w.mail_button),
        offline = e(w.mail_offline),
        keep = e(keep),
        pin_part = pin_label.map_or(String::new(), |label| format!(
            "<p style=\"margin:0 0 6px\">{}</p>\n<p style=\"margin:0 0 16px;font-size:28px;font-weight:bold;letter-spacing:4px;text-align:center\" dir=\"ltr\">{}</p>\n",
            e(&fill(w.mail_no_phone, &[("label", label)])),
            e(&pin)
        )),
        printed_part = if ways.printed {
            format!(
                "<p style=\"margin:0 0 6px\">{}</p>\n<p style=\"text-align:center;margin:0 0 12px\"><img src=\"cid:ticket-qr\" width=\"240\" height=\"240\" alt=\"{}\" style=\"display:inline-block\"></p>\n",
                e(w.mail_print),
                e(w.mail_qr_alt)
            )
        } else {
            String::new()
        },
    );
    let host = mailer.from.email.domain().to_string();
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(fill(w.mail_subject, &[("event", &ev.name)]))
        // Stable per ticket: a mail sent again after a restart is the same mail to the mailbox.
        .message_id(Some(format!("<ticket-{}-{}@{host}>", event.0, ticket.0)))
        .multipart(MultiPart::alternative().singlepart(SinglePart::plain(text)).multipart(if ways.printed {
            let png = crate::util::qr_png(&secrets.credential.static_token().to_text())?;
            MultiPart::related().singlepart(SinglePart::html(html)).singlepart(
                Attachment::new_inline("ticket-qr".into())
                    .body(png, ContentType::parse("image/png").expect("image/png")),
            )
        } else {
            MultiPart::related().singlepart(SinglePart::html(html))
        }))
        .map_err(|e| Error::Internal(format!("mail: {e}")))
}
