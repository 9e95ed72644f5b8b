//! Attendees and tickets: CSV import (all or nothing unless told otherwise), issuing (signed
//! credential, rotating-code secret, PIN, wallet link), status changes, and the wallet lookup.
//! Invariant: every change to a ticket bumps the event's manifest revision in the same
//! transaction, so delta pulls never miss it.

use ingia_core::issue::{issue_ticket, TicketRequest};
use ingia_core::pin::Pin;
use ingia_core::rotating::CodeSecret;
use ingia_core::wallet::WalletAnswer;
use ingia_core::{EventId, TicketId, TicketStatus};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::events::{load_header, signing_key};
use crate::secrets::{MasterKey, TicketSecrets};
use crate::util::{new_secret, random_bytes, secret_hash};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub problem: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: usize,
    pub bad: Vec<BadRow>,
}

struct Row_ {
    name: String,
    email: String,
    phone: String,
    type_id: i64,
}

/// Imports `name,email,phone,ticket_type` rows (a header line is required; email and phone may
/// be empty). With `skip_invalid` false, one bad row means nothing is imported.
pub async fn import_csv(db: &Db, event: EventId, data: &[u8], skip_invalid: bool) -> Result<ImportReport> {
    let (header, _) = load_header(db, event).await?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers = reader.headers().map_err(|_| Error::BadRequest("the CSV file has no readable header line".into()))?;
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(c_name), Some(c_type)) = (col("name"), col("ticket_type")) else {
        return Err(Error::BadRequest("the CSV header must name the columns `name` and `ticket_type`".into()));
    };
    let (c_email, c_phone) = (col("email"), col("phone"));
    let mut report = ImportReport::default();
    let mut good = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                report.bad.push(BadRow { line, problem: "not valid CSV (check quotes and encoding)".into() });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").to_string();
        let (name, ty, email, phone) = (get(Some(c_name)), get(Some(c_type)), get(c_email), get(c_phone));
        let problem = if name.is_empty() {
            Some("the name is empty".to_string())
        } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
            Some("the name must be at most 100 printable characters".to_string())
        } else if !email.is_empty() && (!email.contains('@') || email.len() > 200) {
            Some(format!("`{email}` is not an email address"))
        } else if !phone.is_empty() && !phone.chars().all(|c| c.is_ascii_digit() || "+ -()".contains(c)) {
            Some("the phone number may hold digits, spaces, + - ( ) only".to_string())
        } else {
            None
        };
        let type_id = header.ticket_types.iter().find(|t| t.name.eq_ignore_ascii_case(&ty)).map(|t| i64::from(t.id.0));
        match (problem, type_id) {
            (Some(p), _) => report.bad.push(BadRow { line, problem: p }),
            (None, None) => report.bad.push(BadRow {
                line,
                problem: format!(
                    "unknown ticket type `{ty}` (the event has: {})",
                    header.ticket_types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }),
            (None, Some(type_id)) => good.push(Row_ { name, email, phone, type_id }),
        }
    }
    if !report.bad.is_empty() && !skip_invalid {
        return Ok(report);
    }
    let mut tx = db.pool.begin().await?;
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(ticket_id), 0) AS m FROM tickets WHERE event_id = $1")
        .bind(event_key(event))
        .fetch_one(&mut *tx)
        .await?
        .try_get("m")?;
    if next as usize + good.len() > 100_000 {
        return Err(Error::BadRequest("an event holds at most 100000 tickets".into()));
    }
    for (i, r) in good.iter().enumerate() {
        sqlx::query(
            "INSERT INTO tickets (event_id, ticket_id, holder, email, phone, type_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event_key(event))
        .bind(next + 1 + i as i64)
        .bind(&r.name)
        .bind(&r.email)
        .bind(&r.phone)
        .bind(r.type_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    report.imported = good.len();
    crate::audit::record(db, Some(event), "cli", "attendees.import", &format!("{} attendees", good.len())).await?;
    Ok(report)
}

/// A CSV of `n` attendees for demos and tests, in the import format: every 10th VIP, every 7th
/// Printed, the rest General; `name(i)` names the i-th.
pub fn sample_attendees_csv(n: usize, name: impl Fn(usize) -> String) -> String {
    let mut csv = String::from("name,email,ticket_type\n");
    for i in 0..n {
        let ty = match i {
            i if i % 10 == 9 => "VIP",
            i if i % 7 == 6 => "Printed",
            _ => "General",
        };
        csv.push_str(&format!("{},guest{i}@example.org,{ty}\n", name(i)));
    }
    csv
}

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

/// Issues every imported ticket that has none yet.
pub async fn issue_pending(db: &Db, master: &MasterKey, event: EventId) -> Result<Vec<IssuedTicket>> {
    let key = signing_key(db, master, event).await?;
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
        "SELECT ticket_id, holder, email, type_id FROM tickets WHERE event_id = $1 AND issued = 0 ORDER BY ticket_id",
    )
    .bind(event_key(event))
    .fetch_all(&mut *tx)
    .await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let revision: i64 = sqlx::query("UPDATE events SET revision = revision + 1 WHERE id = $1 RETURNING revision")
        .bind(event_key(event))
        .fetch_one(&mut *tx)
        .await?
        .try_get("revision")?;
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
        let wallet_token = new_secret("ingw");
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
        out.push(IssuedTicket {
            id,
            holder,
            email: row.try_get("email")?,
            pin,
            credential,
            wallet_token,
            code_secret: secret,
        });
    }
    tx.commit().await?;
    crate::audit::record(db, Some(event), "cli", "tickets.issue", &format!("{} tickets", out.len())).await?;
    Ok(out)
}

/// Refund, revoke, block or re-activate a ticket; the next delta pull carries it to the gates.
pub async fn set_status(db: &Db, event: EventId, ticket: TicketId, status: TicketStatus) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    let revision: i64 = sqlx::query("UPDATE events SET revision = revision + 1 WHERE id = $1 RETURNING revision")
        .bind(event_key(event))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("event"))?
        .try_get("revision")?;
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
    crate::audit::record(db, Some(event), "cli", "ticket.status", &format!("ticket {ticket} -> {}", status.slug()))
        .await
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
    Ok(WalletAnswer {
        event_id: event.0.to_string(),
        event_name: m.event.name.clone(),
        venue: m.event.venue.clone(),
        starts_at: m.event.starts_at,
        ends_at: m.event.ends_at,
        time_zone: m.event.time_zone.clone(),
        ticket_id: ticket.0,
        holder: row.try_get("holder")?,
        ticket_type: m.ticket_types.iter().find(|t| t.id.0 == type_id).map(|t| t.name.clone()).unwrap_or_default(),
        status: row.try_get("status")?,
        credential: secrets.credential.static_token().to_text(),
        code_secret: crate::util::hex(&secrets.code_secret.0),
        code_step_secs: m.event.code_step_secs,
        pin: secrets.pin.to_string(),
        server_time: crate::util::now_ms(),
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
