//! Attendees, before and beside their tickets: the one check every attendee passes (CSV row,
//! console form, a ticket shop's push), CSV import (all or nothing unless told to skip the bad
//! rows) with a column mapping for other shops' exports, adding and editing one attendee, the
//! shop's idempotent upsert on its own ticket id, and the organizer's filtered list.
//! Invariant: a change the gates must see (a holder's name) bumps the manifest revision in the
//! same transaction.

use ingia_core::{EventId, Manifest, TicketId};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::events::load_header;

/// Most attendees an event holds.
pub const MAX_ATTENDEES: usize = 100_000;

/// An attendee as the organizer or a shop gives one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendee {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// A ticket type's name (any case).
    pub ticket_type: String,
    /// The shop's own ticket id, if it sent one.
    pub external_id: Option<String>,
    /// The language of their texts, wallet and kiosk as typed (`fr`, `French`, `Français`);
    /// empty: the event's.
    pub language: String,
}

impl Attendee {
    /// The language given, if any (`check` refused one Ingia does not speak).
    pub fn lang(&self) -> Option<ingia_core::Lang> {
        ingia_core::Lang::parse_loose(&self.language)
    }
}

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

/// What is wrong with an attendee, or its ticket type's id.
pub fn check(header: &Manifest, a: &Attendee) -> std::result::Result<u8, String> {
    let (name, email, phone) = (a.name.trim(), a.email.trim(), a.phone.trim());
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("the name must be at most 100 printable characters".into());
    }
    if !email.is_empty() && (!email.contains('@') || email.len() > 200 || email.chars().any(char::is_whitespace)) {
        return Err(format!("`{email}` is not an email address"));
    }
    if !phone.is_empty() && (phone.len() > 30 || !phone.chars().all(|c| c.is_ascii_digit() || "+ -()".contains(c))) {
        return Err("the phone number may hold digits, spaces, + - ( ) only".into());
    }
    if !a.language.trim().is_empty() && a.lang().is_none() {
        let known: Vec<&str> = ingia_core::Lang::ALL.iter().map(|l| l.tag()).collect();
        return Err(format!("unknown language `{}` (Ingia speaks {})", a.language.trim(), known.join(", ")));
    }
    if let Some(x) = &a.external_id {
        if x.trim().is_empty() || x.len() > 100 || x.chars().any(char::is_control) {
            return Err("the shop's ticket id must be 1 to 100 printable characters".into());
        }
    }
    let ty = a.ticket_type.trim();
    header.ticket_types.iter().find(|t| t.name.eq_ignore_ascii_case(ty)).map(|t| t.id.0).ok_or_else(|| {
        let names: Vec<&str> = header.ticket_types.iter().map(|t| t.name.as_str()).collect();
        format!("unknown ticket type `{ty}` (the event has: {})", names.join(", "))
    })
}

/// A CSV file read as a table: its header and each record with its line number (or why the
/// record could not be read).
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, std::result::Result<Vec<String>, String>)>,
}

pub fn read_table(data: &[u8]) -> Result<Table> {
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first column's name.
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| Error::BadRequest("the CSV file has no readable header line".into()))?
        .iter()
        .map(String::from)
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::BadRequest("the CSV file has no header line".into()));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        rows.push(match record {
            Ok(r) => (r.position().map(|p| p.line()).unwrap_or(0), Ok(r.iter().map(String::from).collect())),
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                (line, Err("not valid CSV (check quotes and encoding)".to_string()))
            }
        });
        if rows.len() > MAX_ATTENDEES {
            return Err(Error::BadRequest(format!("a file holds at most {MAX_ATTENDEES} attendees")));
        }
    }
    Ok(Table { headers, rows })
}

/// Which column holds what (column numbers of the table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mapping {
    pub name: Option<usize>,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    pub email: Option<usize>,
    pub phone: Option<usize>,
    pub ticket_type: Option<usize>,
    pub external_id: Option<usize>,
    pub language: Option<usize>,
}

/// The fields a mapping names, in the order the console shows them: (key, label).
pub const FIELDS: [(&str, &str); 8] = [
    ("name", "Full name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("ticket_type", "Ticket type"),
    ("external_id", "Shop's ticket id"),
    ("language", "Language"),
];

impl Mapping {
    pub fn get(&self, key: &str) -> Option<usize> {
        match key {
            "name" => self.name,
            "first_name" => self.first_name,
            "last_name" => self.last_name,
            "email" => self.email,
            "phone" => self.phone,
            "ticket_type" => self.ticket_type,
            "external_id" => self.external_id,
            "language" => self.language,
            _ => None,
        }
    }

    pub fn set(&mut self, key: &str, col: Option<usize>) {
        match key {
            "name" => self.name = col,
            "first_name" => self.first_name = col,
            "last_name" => self.last_name = col,
            "email" => self.email = col,
            "phone" => self.phone = col,
            "ticket_type" => self.ticket_type = col,
            "external_id" => self.external_id = col,
            "language" => self.language = col,
            _ => {}
        }
    }

    /// A guess from the header names other shops use ("First Name", "Ticket Type", "Phone
    /// Number", "Attendee Email", "Order Ref"...).
    pub fn guess(headers: &[String]) -> Mapping {
        let plain = |h: &str| h.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect::<String>();
        let known: [(&str, &[&str]); 8] = [
            ("name", &["name", "fullname", "attendeename", "attendee", "holder", "ticketholder", "guest", "guestname"]),
            ("first_name", &["firstname", "first", "givenname", "forename", "attendeefirstname"]),
            ("last_name", &["lastname", "last", "surname", "familyname", "attendeelastname"]),
            ("email", &["email", "emailaddress", "attendeeemail", "mail"]),
            ("phone", &["phone", "phonenumber", "mobile", "mobilenumber", "telephone", "tel", "msisdn", "cellphone"]),
            (
                "ticket_type",
                &["tickettype", "type", "ticket", "category", "tier", "tickettier", "tickettypename", "ticketclass"],
            ),
            (
                "external_id",
                &[
                    "ticketid",
                    "ticketnumber",
                    "ticketno",
                    "barcode",
                    "ticketcode",
                    "orderref",
                    "reference",
                    "ref",
                    "id",
                ],
            ),
            ("language", &["language", "lang", "langue", "idioma", "lingua", "lugha", "preferredlanguage", "locale"]),
        ];
        let mut m = Mapping::default();
        for (key, names) in known {
            m.set(key, headers.iter().position(|h| names.contains(&plain(h).as_str())));
        }
        if m.first_name.is_some() && m.last_name.is_some() {
            m.name = None;
        }
        m
    }

    /// Every row of `table` as an attendee (or why not).
    pub fn apply(&self, table: &Table) -> Result<Vec<(u64, std::result::Result<Attendee, String>)>> {
        if self.name.is_none() && self.first_name.is_none() && self.last_name.is_none() {
            return Err(Error::BadRequest("choose the column with the name (or first and last name)".into()));
        }
        if self.ticket_type.is_none() {
            return Err(Error::BadRequest("choose the column with the ticket type".into()));
        }
        Ok(table
            .rows
            .iter()
            .map(|(line, row)| {
                let row = match row {
                    Ok(r) => r,
                    Err(e) => return (*line, Err(e.clone())),
                };
                let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|s| s.trim()).unwrap_or("").to_string();
                let name = match self.name {
                    Some(_) => get(self.name),
                    None => format!("{} {}", get(self.first_name), get(self.last_name)).trim().to_string(),
                };
                let external_id = Some(get(self.external_id)).filter(|x| self.external_id.is_some() && !x.is_empty());
                let a = Attendee {
                    name,
                    email: get(self.email),
                    phone: get(self.phone),
                    ticket_type: get(self.ticket_type),
                    external_id,
                    language: get(self.language),
                };
                (*line, Ok(a))
            })
            .collect())
    }
}

/// Imports a CSV in Ingia's own columns (`name`, `ticket_type`, optional `email`, `phone`,
/// `ticket_id`): the CLI's import.
pub async fn import_csv(db: &Db, event: EventId, data: &[u8], skip_invalid: bool) -> Result<ImportReport> {
    let table = read_table(data)?;
    let col = |name: &str| table.headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(name), Some(ticket_type)) = (col("name"), col("ticket_type")) else {
        return Err(Error::BadRequest("the CSV header must name the columns `name` and `ticket_type`".into()));
    };
    let mapping = Mapping {
        name: Some(name),
        ticket_type: Some(ticket_type),
        email: col("email"),
        phone: col("phone"),
        external_id: col("ticket_id"),
        language: col("language"),
        ..Mapping::default()
    };
    import_rows(db, event, mapping.apply(&table)?, skip_invalid, "cli").await
}

/// Checks every row; with `skip_invalid` false, one bad row means nothing is imported (the
/// report names each bad row with its line).
pub async fn import_rows(
    db: &Db,
    event: EventId,
    rows: Vec<(u64, std::result::Result<Attendee, String>)>,
    skip_invalid: bool,
    actor: &str,
) -> Result<ImportReport> {
    let (header, _) = load_header(db, event).await?;
    let existing: std::collections::BTreeSet<String> =
        sqlx::query("SELECT external_id FROM tickets WHERE event_id = $1 AND external_id IS NOT NULL")
            .bind(event_key(event))
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("external_id"))
            .collect::<std::result::Result<_, _>>()?;
    let mut seen = std::collections::BTreeSet::new();
    let mut report = ImportReport::default();
    let mut good = Vec::new();
    for (line, row) in rows {
        let checked = row.and_then(|a| {
            let type_id = check(&header, &a)?;
            if !a.language.trim().is_empty() && a.lang().is_none() {
                let known: Vec<&str> = ingia_core::Lang::ALL.iter().map(|l| l.tag()).collect();
                return Err(format!("unknown language `{}` (Ingia speaks {})", a.language.trim(), known.join(", ")));
            }
            if let Some(x) = &a.external_id {
                if existing.contains(x) {
                    return Err(format!("ticket id `{x}` is already imported"));
                }
                if !seen.insert(x.clone()) {
                    return Err(format!("ticket id `{x}` is in the file twice"));
                }
            }
            Ok((a, type_id))
        });
        match checked {
            Ok(g) => good.push(g),
            Err(problem) => report.bad.push(BadRow { line, problem }),
        }
    }
    if !report.bad.is_empty() && !skip_invalid {
        return Ok(report);
    }
    let _guard = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    let next = next_ticket_id(&mut tx, event).await?;
    if next as usize + good.len() > MAX_ATTENDEES {
        return Err(Error::BadRequest(format!("an event holds at most {MAX_ATTENDEES} tickets")));
    }
    for (i, (a, type_id)) in good.iter().enumerate() {
        insert(&mut tx, event, TicketId(next + 1 + i as u32), a, *type_id).await?;
    }
    tx.commit().await?;
    report.imported = good.len();
    let detail = format!("{} attendees ({} rows skipped)", good.len(), report.bad.len());
    crate::audit::record(db, Some(event), actor, "attendees.import", &detail).await?;
    Ok(report)
}

/// The event's highest ticket number so far (the next is one more), inside a write.
pub(crate) async fn next_ticket_id(tx: &mut sqlx::Transaction<'_, sqlx::Any>, event: EventId) -> Result<u32> {
    let max: i64 = sqlx::query("SELECT COALESCE(MAX(ticket_id), 0) AS m FROM tickets WHERE event_id = $1")
        .bind(event_key(event))
        .fetch_one(&mut **tx)
        .await?
        .try_get("m")?;
    Ok(max as u32)
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: EventId,
    id: TicketId,
    a: &Attendee,
    type_id: u8,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tickets (event_id, ticket_id, holder, email, phone, type_id, external_id, lang) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event_key(event))
    .bind(i64::from(id.0))
    .bind(a.name.trim())
    .bind(a.email.trim())
    .bind(a.phone.trim())
    .bind(i64::from(type_id))
    .bind(a.external_id.as_deref().map(str::trim))
    .bind(a.lang().map(|l| l.tag()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds one attendee (no ticket yet: issuing makes it).
pub async fn add(db: &Db, event: EventId, a: &Attendee, actor: &str) -> Result<TicketId> {
    let (header, _) = load_header(db, event).await?;
    let type_id = check(&header, a).map_err(Error::BadRequest)?;
    let _guard = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    let next = next_ticket_id(&mut tx, event).await?;
    if next as usize >= MAX_ATTENDEES {
        return Err(Error::BadRequest(format!("an event holds at most {MAX_ATTENDEES} tickets")));
    }
    let id = TicketId(next + 1);
    match insert(&mut tx, event, id, a, type_id).await {
        Err(e) if e.is_unique_violation() => {
            return Err(Error::Conflict("an attendee with this shop ticket id is already there".into()))
        }
        other => other?,
    }
    tx.commit().await?;
    crate::audit::record(db, Some(event), actor, "attendee.add", &format!("ticket {id}")).await?;
    Ok(id)
}

/// Changes an attendee's name, email and phone (the gates learn a new name at their next pull);
/// the type only before its ticket is issued (the type is signed into the ticket: reissue).
pub async fn edit(db: &Db, event: EventId, ticket: TicketId, a: &Attendee, actor: &str) -> Result<()> {
    let (header, _) = load_header(db, event).await?;
    let type_id = check(&header, a).map_err(Error::BadRequest)?;
    let _guard = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query("SELECT type_id, issued FROM tickets WHERE event_id = $1 AND ticket_id = $2")
        .bind(event_key(event))
        .bind(i64::from(ticket.0))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("attendee"))?;
    let issued = row.try_get::<i64, _>("issued")? != 0;
    if issued && row.try_get::<i64, _>("type_id")? != i64::from(type_id) {
        return Err(Error::BadRequest(
            "the ticket is issued with its type signed in: change the type before issuing, or refund and add anew"
                .into(),
        ));
    }
    let revision = crate::events::next_revision(&mut tx, event).await?;
    sqlx::query(
        "UPDATE tickets SET holder = $1, email = $2, phone = $3, type_id = $4, revision = $5, lang = $8 \
         WHERE event_id = $6 AND ticket_id = $7",
    )
    .bind(a.name.trim())
    .bind(a.email.trim())
    .bind(a.phone.trim())
    .bind(i64::from(type_id))
    .bind(revision)
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .bind(a.lang().map(|l| l.tag()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    db.wake(event).await;
    crate::audit::record(db, Some(event), actor, "attendee.edit", &format!("ticket {ticket}")).await
}

/// A shop's push of one sale, idempotent on its ticket id: the first push adds the attendee, a
/// repeat with the same details changes nothing, a changed one edits it. (ticket, created).
pub async fn upsert(db: &Db, event: EventId, a: &Attendee, actor: &str) -> Result<(TicketId, bool)> {
    let Some(external) = a.external_id.as_deref().map(str::trim).filter(|x| !x.is_empty()) else {
        return Err(Error::BadRequest("a pushed attendee needs the shop's ticket id".into()));
    };
    let found = sqlx::query(
        "SELECT ticket_id, holder, email, phone, type_id, lang FROM tickets WHERE event_id = $1 AND external_id = $2",
    )
    .bind(event_key(event))
    .bind(external)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = found else {
        return match add(db, event, a, actor).await {
            Ok(id) => Ok((id, true)),
            // Two pushes of one sale at once: the other one added it.
            Err(Error::Conflict(_)) => Box::pin(upsert(db, event, a, actor)).await,
            Err(e) => Err(e),
        };
    };
    let id = TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
    let (header, _) = load_header(db, event).await?;
    let type_id = check(&header, a).map_err(Error::BadRequest)?;
    let same = row.try_get::<String, _>("holder")? == a.name.trim()
        && row.try_get::<String, _>("email")? == a.email.trim()
        && row.try_get::<String, _>("phone")? == a.phone.trim()
        && row.try_get::<i64, _>("type_id")? == i64::from(type_id)
        && row.try_get::<Option<String>, _>("lang")?.as_deref() == a.lang().map(|l| l.tag());
    if !same {
        edit(db, event, id, a, actor).await?;
    }
    Ok((id, false))
}

/// The language an attendee reads: their own if on file, else the event's.
pub async fn lang(db: &Db, event: EventId, ticket: TicketId) -> Result<ingia_core::Lang> {
    let row = sqlx::query(
        "SELECT COALESCE(t.lang, e.lang) AS lang FROM tickets t JOIN events e ON e.id = t.event_id \
         WHERE t.event_id = $1 AND t.ticket_id = $2",
    )
    .bind(event_key(event))
    .bind(i64::from(ticket.0))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("attendee"))?;
    Ok(ingia_core::Lang::from_tag(&row.try_get::<String, _>("lang")?).unwrap_or_default())
}

/// One line of the organizer's list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub ticket: TicketId,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub type_id: u8,
    pub issued: bool,
    pub status: String,
    pub checked_in: bool,
    pub external_id: Option<String>,
    /// The attendee's own language (a tag), if one was given.
    pub lang: Option<String>,
    pub replaced_by: Option<TicketId>,
    /// The ticket mail: queued, sending, sent or failed, and the last failure's reason.
    pub delivery: Option<(String, Option<String>)>,
    /// The ticket SMS: queued, sending, sent, delivered or failed, and the last failure's reason.
    pub sms: Option<(String, Option<String>)>,
}

/// What the list shows: a name, email, phone or shop id containing `text`; a status (`pending`
/// = not issued yet); a type; checked in or not.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub status: Option<String>,
    pub type_id: Option<u8>,
    pub checked_in: Option<bool>,
    /// Just this one.
    pub ticket: Option<TicketId>,
}

pub async fn list(db: &Db, event: EventId, f: &Filter, limit: u32, offset: u32) -> Result<(Vec<Listed>, u64)> {
    let like = format!("%{}%", f.text.trim().to_lowercase().replace(['%', '_'], ""));
    let status = f.status.clone().unwrap_or_default();
    let sql = "FROM tickets t LEFT JOIN presence p ON p.event_id = t.event_id AND p.ticket_id = t.ticket_id \
               LEFT JOIN deliveries d ON d.event_id = t.event_id AND d.ticket_id = t.ticket_id \
               LEFT JOIN sms_outbox s ON s.event_id = t.event_id AND s.ticket_id = t.ticket_id AND s.kind = 'ticket' \
               WHERE t.event_id = $1 AND ($2 = '%%' OR LOWER(t.holder) LIKE $2 OR LOWER(t.email) LIKE $2 \
               OR t.phone LIKE $2 OR LOWER(COALESCE(t.external_id, '')) LIKE $2) \
               AND ($3 = '' OR ($3 = 'pending' AND t.issued = 0) OR (t.issued = 1 AND t.status = $3)) \
               AND ($4 < 0 OR t.type_id = $4) \
               AND ($5 < 0 OR ($5 = 1 AND p.first_at IS NOT NULL) OR ($5 = 0 AND p.first_at IS NULL)) \
               AND ($6 < 0 OR t.ticket_id = $6)";
    let count_sql = format!("SELECT COUNT(*) AS n {sql}");
    let total: i64 =
        bind_filter(sqlx::query(&count_sql), event, &like, &status, f).fetch_one(&db.pool).await?.try_get("n")?;
    let rows_sql = format!(
        "SELECT t.ticket_id, t.holder, t.email, t.phone, t.type_id, t.issued, t.status, t.external_id, t.lang, \
         t.replaced_by, p.first_at, d.state, d.last_error, s.state AS sms_state, s.last_error AS sms_error {sql} ORDER BY t.ticket_id LIMIT {limit} OFFSET {offset}"
    );
    let rows = bind_filter(sqlx::query(&rows_sql), event, &like, &status, f).fetch_all(&db.pool).await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(Listed {
                ticket: TicketId(r.try_get::<i64, _>("ticket_id")? as u32),
                name: r.try_get("holder")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                type_id: r.try_get::<i64, _>("type_id")? as u8,
                issued: r.try_get::<i64, _>("issued")? != 0,
                status: r.try_get("status")?,
                checked_in: r.try_get::<Option<i64>, _>("first_at")?.is_some(),
                external_id: r.try_get("external_id")?,
                lang: r.try_get("lang")?,
                replaced_by: r.try_get::<Option<i64>, _>("replaced_by")?.map(|t| TicketId(t as u32)),
                delivery: r.try_get::<Option<String>, _>("state")?.map(|s| (s, r.try_get("last_error").ok().flatten())),
                sms: r.try_get::<Option<String>, _>("sms_state")?.map(|s| (s, r.try_get("sms_error").ok().flatten())),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total.max(0) as u64))
}

fn bind_filter<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    event: EventId,
    like: &str,
    status: &str,
    f: &Filter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(event_key(event))
        .bind(like.to_string())
        .bind(status.to_string())
        .bind(f.type_id.map_or(-1, i64::from))
        .bind(f.checked_in.map_or(-1, i64::from))
        .bind(f.ticket.map_or(-1, |t| i64::from(t.0)))
}

/// One attendee (the edit form, the printable ticket).
pub async fn one(db: &Db, event: EventId, ticket: TicketId) -> Result<Listed> {
    let (rows, _) = list(db, event, &Filter { ticket: Some(ticket), ..Filter::default() }, 1, 0).await?;
    rows.into_iter().next().ok_or(Error::NotFound("attendee"))
}

/// A CSV of `n` attendees for demos and tests, in the import format: every 10th VIP, every 7th
/// Printed, the rest General; `name(i)` names the i-th; the first `phones` have a (Nigerian)
/// phone number; tickets 5, 15, 25, 35, 45 (and on) read French, Swahili, Portuguese, Arabic,
/// Amharic in turn, the rest the event's language.
pub fn sample_attendees_csv(n: usize, phones: usize, name: impl Fn(usize) -> String) -> String {
    let mut csv = String::from("name,email,ticket_type,phone,language\n");
    for i in 0..n {
        let ty = match i {
            i if i % 10 == 9 => "VIP",
            i if i % 7 == 6 => "Printed",
            _ => "General",
        };
        let phone = if i < phones { format!("+23480300{i:05}") } else { String::new() };
        let lang = if i % 10 == 4 { ["fr", "sw", "pt", "ar", "am"][i / 10 % 5] } else { "" };
        csv.push_str(&format!("{},guest{i}@example.org,{ty},{phone},{lang}\n", name(i)));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_shops_headers_are_guessed() {
        let headers: Vec<String> =
            ["Order Ref", "First Name", "Last Name", "Ticket Type", "Phone Number", "E-mail", "Langue"]
                .map(String::from)
                .into();
        let m = Mapping::guess(&headers);
        assert_eq!(
            m,
            Mapping {
                name: None,
                first_name: Some(1),
                last_name: Some(2),
                email: Some(5),
                phone: Some(4),
                ticket_type: Some(3),
                external_id: Some(0),
                language: Some(6),
            }
        );
        let table = read_table(b"\xef\xbb\xbfOrder Ref,First Name,Last Name,Ticket Type,Phone Number,E-mail,Langue\nA1,Ngozi,Eze,VIP,+234 801,n@x.ng,Fran\xc3\xa7ais\n")
            .unwrap();
        assert_eq!(table.headers[0], "Order Ref");
        let rows = m.apply(&table).unwrap();
        let a = rows[0].1.as_ref().unwrap();
        assert_eq!((a.name.as_str(), a.external_id.as_deref(), rows[0].0), ("Ngozi Eze", Some("A1"), 2));
        assert_eq!(a.lang(), Some(ingia_core::Lang::Fr));
    }

    #[test]
    fn a_language_ingia_does_not_speak_is_named() {
        let header = ingia_core::sample::sample_event(3, 2).manifest;
        let ty = header.ticket_types[0].name.clone();
        let mut a = Attendee { name: "Ngozi Eze".into(), ticket_type: ty, ..Attendee::default() };
        assert!(check(&header, &a).is_ok(), "no language: the event's");
        a.language = "Kiswahili".into();
        assert!(check(&header, &a).is_ok());
        a.language = "Klingon".into();
        let e = check(&header, &a).unwrap_err();
        assert!(e.contains("Klingon") && e.contains("fr"), "{e}");
    }
}
