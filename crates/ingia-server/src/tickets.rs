//! Attendees and tickets: CSV import (all or nothing unless told otherwise), issuing (signed
//! credential, rotating-code secret, PIN, wallet link), status changes, and the wallet lookup.
//! Invariant: every change to a ticket bumps the event's manifest revision in the same
//! transaction, so delta pulls never miss it.

use ingia_core::issue::{issue_ticket, TicketRequest};
use ingia_core::pin::Pin;
use ingia_core::rotating::CodeSecret;
use ingia_core::wallet::WalletAnswer;
use ingia_core::{EventId, TicketId, TicketStatus, Ways};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::events::{load_header, signing_key};
use crate::secrets::{Keys, MasterKey, TicketSecrets};
use crate::util::{random_bytes, secret_hash, wallet_secret};

/// One freshly issued ticket, for the organizer to deliver.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    pub id: TicketId,
    pub holder: String,
    pub email: String,
    pub pin: Pin,
    /// The static token text (printed QR).
    pub credential: String,
    /// The private wallet secret (goes into the wallet link; only its hash is stored).
    pub wallet_token: String,
    /// The rotating-code secret (the wallet shows codes from it; stored sealed).
    pub code_secret: CodeSecret,
}

/// Issues every imported ticket that has none yet (the CLI: it writes the delivery list).
pub async fn issue_pending(db: &Db, keys: &Keys, event: EventId) -> Result<Vec<IssuedTicket>> {
    issue(db, keys, event, None, "cli", false).await
}

/// Issues the attendees who have no ticket yet, or (`only`) one of them; with `mail`, each with
/// an email gets its ticket mail queued (`mail::run` sends it), once.
pub async fn issue(
    db: &Db,
    keys: &Keys,
    event: EventId,
    only: Option<TicketId>,
    actor: &str,
    mail: bool,
) -> Result<Vec<IssuedTicket>> {
    let key = signing_key(db, keys, event).await?;
    let master = &keys.master;
    let _guard = db.write_guard().await;
    let (header, _) = load_header(db, event).await?;
    let mut tx = db.pool.begin().await?;
    let mut taken: std::collections::BTreeSet<String> =
        sqlx::query("SELECT pin_tag FROM tickets WHERE event_id = $1 AND pin_tag IS NOT NULL")
            .bind(event_key(event))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("pin_tag"))
            .collect::<std::result::Result<_, _>>()?;
    let pending = sqlx::query(
        "SELECT ticket_id, holder, email, phone, type_id FROM tickets WHERE event_id = $1 AND issued = 0 \
         AND ($2 < 0 OR ticket_id = $2) ORDER BY ticket_id",
    )
    .bind(event_key(event))
    .bind(only.map_or(-1, |t| i64::from(t.0)))
    .fetch_all(&mut *tx)
    .await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let revision = crate::events::next_revision(&mut tx, event).await?;
    let mut out = Vec::with_capacity(pending.len());
    for row in pending {
        let id = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
        let holder: String = row.try_get("holder")?;
        let type_id = row.try_get::<i64, _>("type_id")? as u8;
        let ticket_type = header
            .ticket_types
            .iter()
            .find(|t| t.id.0 == type_id)
            .ok_or_else(|| Error::Internal("ticket of an unknown type".into()))?;
        let pin = Pin::generate_unique(
            header.event.pin_digits,
            || u32::from_le_bytes(random_bytes::<4>()),
            |p| taken.contains(&master.pin_tag(event, p)),
        );
        let pin_tag = master.pin_tag(event, pin);
        taken.insert(pin_tag.clone());
        let secret = CodeSecret(random_bytes::<16>());
        let issued = issue_ticket(
            &key,
            event,
            TicketRequest { id, holder: &holder, ticket_type, secret, pin, revision: revision as u64 },
        );
        let credential = issued.credential.static_token().to_text();
        let wallet_token = wallet_secret();
        let sealed = master.seal_ticket(event, id, &TicketSecrets::new(event, secret, pin, issued.credential));
        sqlx::query(
            "UPDATE tickets SET issued = 1, sealed = $1, pin_tag = $2, code_secret = NULL, pin = NULL, credential = NULL, \
             wallet_token_hash = $3, revision = $4 WHERE event_id = $5 AND ticket_id = $6",
        )
        .bind(sealed)
        .bind(pin_tag)
        .bind(secret_hash(&wallet_token))
        .bind(revision)
        .bind(event_key(event))
        .bind(i64::from(id.0))
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO presence (event_id, ticket_id, version) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING")
            .bind(event_key(event))
            .bind(i64::from(id.0))
            .execute(&mut *tx)
            .await?;
        let email: String = row.try_get("email")?;
        if mail && !email.trim().is_empty() {
            crate::mail::enqueue(&mut tx, master, event, id, email.trim(), &wallet_token).await?;
        }
        // Every attendee with a phone gets the ticket SMS (the outbox waits without a provider).
        let phone: String = row.try_get("phone")?;
        if !phone.trim().is_empty() {
            crate::sms::enqueue_ticket(&mut tx, master, event, id, phone.trim(), &wallet_token).await?;
        }
        out.push(IssuedTicket { id, holder, email, pin, credential, wallet_token, code_secret: secret });
    }
    tx.commit().await?;
    db.wake(event).await;
    let detail = match only {
        Some(t) => format!("ticket {t}"),
        None => format!("{} tickets", out.len()),
    };
    crate::audit::record(db, Some(event), actor, "tickets.issue", &detail).await?;
    Ok(out)
}

/// A new ticket for an attendee whose old one must stop working (lost phone, leaked link): the
/// old ticket becomes revoked (every gate refuses it after its next sync) and points at the new
/// one, issued at once with a new credential, code secret, PIN and wallet link.
pub async fn reissue(db: &Db, keys: &Keys, event: EventId, old: TicketId, actor: &str) -> Result<IssuedTicket> {
    signing_key(db, keys, event).await?;
    let new = {
        let _guard = db.write_guard().await;
        let mut tx = db.pool.begin().await?;
        let row = sqlx::query(
            "SELECT holder, email, phone, type_id, external_id, issued, replaced_by FROM tickets \
             WHERE event_id = $1 AND ticket_id = $2",
        )
        .bind(event_key(event))
        .bind(i64::from(old.0))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
        if row.try_get::<i64, _>("issued")? == 0 {
            return Err(Error::BadRequest("this attendee has no ticket yet: issue it instead".into()));
        }
        if let Some(by) = row.try_get::<Option<i64>, _>("replaced_by")? {
            return Err(Error::BadRequest(format!("ticket {old} was already reissued as ticket {by}")));
        }
        let new = TicketId(crate::attendees::next_ticket_id(&mut tx, event).await? + 1);
        let revision = crate::events::next_revision(&mut tx, event).await?;
        // The shop's ticket id moves to the new ticket (it is unique per event).
        sqlx::query(
            "UPDATE tickets SET status = $1, replaced_by = $2, external_id = NULL, revision = $3 \
             WHERE event_id = $4 AND ticket_id = $5",
        )
        .bind(TicketStatus::Revoked.slug())
        .bind(i64::from(new.0))
        .bind(revision)
        .bind(event_key(event))
        .bind(i64::from(old.0))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO tickets (event_id, ticket_id, holder, email, phone, type_id, external_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event_key(event))
        .bind(i64::from(new.0))
        .bind(row.try_get::<String, _>("holder")?)
        .bind(row.try_get::<String, _>("email")?)
        .bind(row.try_get::<String, _>("phone")?)
        .bind(row.try_get::<i64, _>("type_id")?)
        .bind(row.try_get::<Option<String>, _>("external_id")?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        db.wake(event).await;
        new
    };
    crate::audit::record(db, Some(event), actor, "ticket.reissue", &format!("ticket {old} -> ticket {new}")).await?;
    let mut issued = issue(db, keys, event, Some(new), actor, true).await?;
    issued.pop().ok_or_else(|| Error::Internal("the reissued ticket was not issued".into()))
}

/// Refund, revoke, block or re-activate a ticket; the next delta pull carries it to the gates.
pub async fn set_status(db: &Db, actor: &str, event: EventId, ticket: TicketId, status: TicketStatus) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    let revision = crate::events::next_revision(&mut tx, event).await?;
    let done = sqlx::query(
        "UPDATE tickets SET status = $1, revision = $2 WHERE event_id = $3 AND ticket_id = $4 AND issued = 1",
    )
    .bind(status.slug())
    .bind(revision)
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("issued ticket"));
    }
    tx.commit().await?;
    db.wake(event).await;
    crate::audit::record(db, Some(event), actor, "ticket.status", &format!("ticket {ticket} -> {}", status.slug()))
        .await
}

/// An issued ticket with its sealed secrets opened: for the texts and mails that carry them.
pub struct Opened {
    pub holder: String,
    pub type_id: u8,
    pub secrets: TicketSecrets,
}

pub async fn open(db: &Db, master: &MasterKey, event: EventId, ticket: TicketId) -> Result<Opened> {
    let t = sqlx::query("SELECT holder, type_id, sealed FROM tickets WHERE event_id = $1 AND ticket_id = $2")
        .bind(event_key(event))
        .bind(i64::from(ticket.0))
        .fetch_one(&db.pool)
        .await?;
    Ok(Opened {
        holder: t.try_get("holder")?,
        type_id: t.try_get::<i64, _>("type_id")? as u8,
        secrets: master.open_ticket(event, ticket, &t.try_get::<Vec<u8>, _>("sealed")?)?,
    })
}

/// The holder's ticket behind a wallet link: enough to show it and its rotating code offline.
pub async fn wallet(db: &Db, master: &MasterKey, token: &str) -> Result<WalletAnswer> {
    let row = sqlx::query(
        "SELECT event_id, ticket_id, holder, type_id, status, sealed FROM tickets \
         WHERE wallet_token_hash = $1 AND issued = 1",
    )
    .bind(secret_hash(token))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("ticket"))?;
    let event = EventId(row.try_get::<i64, _>("event_id")? as u64);
    let (m, _) = load_header(db, event).await?;
    let type_id = row.try_get::<i64, _>("type_id")? as u8;
    let ticket = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
    let secrets = master.open_ticket(event, ticket, &row.try_get::<Vec<u8>, _>("sealed")?)?;
    let kind = m.ticket_types.iter().find(|t| t.id.0 == type_id);
    let ways = kind.map_or(Ways::ALL, |t| t.policy.ways);
    Ok(WalletAnswer {
        event_id: event.0.to_string(),
        event_name: m.event.name.clone(),
        venue: m.event.venue.clone(),
        starts_at: m.event.starts_at,
        ends_at: m.event.ends_at,
        time_zone: m.event.time_zone.clone(),
        ticket_id: ticket.0,
        holder: row.try_get("holder")?,
        ticket_type: kind.map(|t| t.name.clone()).unwrap_or_default(),
        status: row.try_get("status")?,
        credential: secrets.credential.static_token().to_text(),
        code_secret: crate::util::hex(&secrets.code_secret.0),
        code_step_secs: m.event.code_step_secs,
        // A PIN the type takes nowhere is not handed out.
        pin: if ways.uses_pin() { secrets.pin.to_string() } else { String::new() },
        ways,
        server_time: crate::util::now_ms(),
        lang: crate::attendees::lang(db, event, ticket).await?.tag().into(),
    })
}

/// Seals the ticket secrets a database from before sealing kept in the clear (once, at start-up):
/// afterwards no row holds a code secret, PIN or credential readable without the master key.
pub async fn seal_clear_rows(db: &Db, master: &MasterKey) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT t.event_id, t.ticket_id, t.code_secret, t.pin, t.credential, e.pin_digits FROM tickets t \
         JOIN events e ON e.id = t.event_id WHERE t.code_secret IS NOT NULL OR t.credential IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    for r in &rows {
        let event = EventId(r.try_get::<i64, _>("event_id")? as u64);
        let ticket = TicketId(r.try_get::<i64, _>("ticket_id")? as u32);
        let damaged = || Error::Internal(format!("ticket {ticket} of event {event}: stored secrets are damaged"));
        let code_secret = CodeSecret(r.try_get::<Vec<u8>, _>("code_secret")?.try_into().map_err(|_| damaged())?);
        let pin = Pin::new(r.try_get::<i64, _>("pin")? as u32, r.try_get::<i64, _>("pin_digits")? as u8)
            .ok_or_else(damaged)?;
        let credential =
            ingia_core::TicketToken::parse(&r.try_get::<String, _>("credential")?).map_err(|_| damaged())?.signed;
        let sealed = master.seal_ticket(event, ticket, &TicketSecrets::new(event, code_secret, pin, credential));
        sqlx::query(
            "UPDATE tickets SET sealed = $1, pin_tag = $2, code_secret = NULL, pin = NULL, credential = NULL \
             WHERE event_id = $3 AND ticket_id = $4",
        )
        .bind(sealed)
        .bind(master.pin_tag(event, pin))
        .bind(event_key(event))
        .bind(i64::from(ticket.0))
        .execute(&db.pool)
        .await?;
    }
    Ok(rows.len())
}
