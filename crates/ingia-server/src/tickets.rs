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
use crate::secrets::MasterKey;
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
}

/// Issues every imported ticket that has none yet.
pub async fn issue_pending(db: &Db, master: &MasterKey, event: EventId) -> Result<Vec<IssuedTicket>> {
    let key = signing_key(db, master, event).await?;
    let (header, _) = load_header(db, event).await?;
    let mut tx = db.pool.begin().await?;
    let mut taken: std::collections::BTreeSet<i64> =
        sqlx::query("SELECT pin FROM tickets WHERE event_id = $1 AND pin IS NOT NULL")
            .bind(event_key(event))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("pin"))
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
            |p| taken.contains(&i64::from(p.value())),
        );
        taken.insert(i64::from(pin.value()));
        let secret = CodeSecret(random_bytes::<16>());
        let issued = issue_ticket(
            &key,
            event,
            TicketRequest { id, holder: &holder, ticket_type, secret, pin, revision: revision as u64 },
        );
        let credential = issued.credential.static_token().to_text();
        let wallet_token = new_secret("ingw");
        sqlx::query(
            "UPDATE tickets SET issued = 1, code_secret = $1, pin = $2, credential = $3, wallet_token_hash = $4, \
             revision = $5 WHERE event_id = $6 AND ticket_id = $7",
        )
        .bind(secret.0.to_vec())
        .bind(i64::from(pin.value()))
        .bind(&credential)
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
        out.push(IssuedTicket { id, holder, email: row.try_get("email")?, pin, credential, wallet_token });
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
pub async fn wallet(db: &Db, token: &str) -> Result<WalletAnswer> {
    let row = sqlx::query(
        "SELECT event_id, ticket_id, holder, type_id, status, credential, code_secret, pin FROM tickets \
         WHERE wallet_token_hash = $1 AND issued = 1",
    )
    .bind(secret_hash(token))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("ticket"))?;
    let event = EventId(row.try_get::<i64, _>("event_id")? as u64);
    let (m, _) = load_header(db, event).await?;
    let type_id = row.try_get::<i64, _>("type_id")? as u8;
    let pin = Pin::new(row.try_get::<i64, _>("pin")? as u32, m.event.pin_digits)
        .ok_or_else(|| Error::Internal("stored PIN does not fit the event".into()))?;
    Ok(WalletAnswer {
        event_id: event.0.to_string(),
        event_name: m.event.name.clone(),
        venue: m.event.venue.clone(),
        starts_at: m.event.starts_at,
        ends_at: m.event.ends_at,
        time_zone: m.event.time_zone.clone(),
        ticket_id: row.try_get::<i64, _>("ticket_id")? as u32,
        holder: row.try_get("holder")?,
        ticket_type: m.ticket_types.iter().find(|t| t.id.0 == type_id).map(|t| t.name.clone()).unwrap_or_default(),
        status: row.try_get("status")?,
        credential: row.try_get("credential")?,
        code_secret: crate::util::hex(&row.try_get::<Vec<u8>, _>("code_secret")?),
        code_step_secs: m.event.code_step_secs,
        pin: pin.to_string(),
        server_time: crate::util::now_ms(),
    })
}
