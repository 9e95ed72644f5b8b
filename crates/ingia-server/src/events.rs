//! Events: creation (with the signing key sealed under the issuing key), the server's keys, and
//! the manifest the scanners download, built from the database at the revision they ask for.

use ingia_core::manifest::{
    EventInfo, Gate, Manifest, ManifestDelta, TicketEntry, TicketStatus, TicketType, TypePolicy, Ways,
};
use ingia_core::rotating::DEFAULT_STEP_SECS;
use ingia_core::{EventId, EventPublicKey, EventSigningKey, GateId, GateSet, KeyId, TicketId, TicketTypeId};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::secrets::{IssuingKey, Keys, MasterKey};
use crate::util::{now_ms, random_bytes, secret_hash};

/// A ticket type as the organizer describes it on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec {
    pub name: String,
    /// Ways in besides the live code.
    pub ways: Ways,
    pub reentry: bool,
    /// Gate names; empty = every gate.
    pub gates: Vec<String>,
    /// When this type admits (Unix seconds), if not the event's doors-to-close.
    pub window: Option<(i64, i64)>,
}

impl std::str::FromStr for TypeSpec {
    type Err = String;
    /// `NAME[:flag,flag,...]` with flags `code` (the live code only), `printed`, `pin`, `sms`
    /// (let that way in again after `code`), `no-printed`, `no-pin`, `no-sms`, `reentry`,
    /// `gates=A|B`. Without flags every way in is open.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (name, flags) = s.split_once(':').unwrap_or((s, ""));
        let name = name.trim();
        if name.is_empty() || name.len() > 60 {
            return Err(format!("ticket type `{s}` needs a name of 1 to 60 characters"));
        }
        let mut spec = TypeSpec { name: name.into(), ways: Ways::ALL, reentry: false, gates: vec![], window: None };
        let flags: Vec<&str> = flags.split(',').map(str::trim).filter(|f| !f.is_empty()).collect();
        if flags.contains(&"code") {
            spec.ways = Ways::LIVE_ONLY;
        }
        for flag in flags {
            let (open, way) = match flag.strip_prefix("no-") {
                Some(way) => (false, way),
                None => (true, flag),
            };
            match way {
                "code" if open => {}
                "printed" => spec.ways.printed = open,
                "pin" => spec.ways.pin = open,
                "sms" => spec.ways.phone = open,
                "reentry" if open => spec.reentry = true,
                f if open && f.starts_with("gates=") => {
                    spec.gates = f[6..].split('|').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect()
                }
                _ => {
                    return Err(format!(
                        "unknown ticket type flag `{flag}` (use code, printed, pin, sms, no-printed, no-pin, no-sms, \
                         reentry, gates=A|B)"
                    ))
                }
            }
        }
        Ok(spec)
    }
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub venue: String,
    pub starts_secs: i64,
    pub ends_secs: i64,
    pub time_zone: String,
    /// Tickets admit from here ...
    pub doors_secs: i64,
    /// ... until here.
    pub close_secs: i64,
    pub gates: Vec<String>,
    pub types: Vec<TypeSpec>,
    /// Expected tickets: sets the PIN length.
    pub capacity: usize,
}

pub struct CreatedEvent {
    pub id: EventId,
    /// Shown once: the organizer's dashboard token. Only its hash is stored.
    pub organizer_token: String,
}

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    if s.trim().is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(Error::BadRequest(format!("{what} must be 1 to {max} printable characters")));
    }
    Ok(())
}

pub async fn create_event(db: &Db, keys: &Keys, ev: &NewEvent) -> Result<CreatedEvent> {
    create_event_in(db, keys, ev, None, "cli").await
}

/// An event, owned by an organization (console) or by none (CLI: its dashboard link).
pub async fn create_event_in(
    db: &Db,
    keys: &Keys,
    ev: &NewEvent,
    org: Option<i64>,
    actor: &str,
) -> Result<CreatedEvent> {
    if ev.gates.is_empty() || ev.types.is_empty() {
        return Err(Error::BadRequest("an event needs at least one gate and one ticket type".into()));
    }
    if ev.capacity == 0 || ev.capacity > 100_000 {
        return Err(Error::BadRequest("capacity must be 1 to 100000 tickets".into()));
    }
    check_event(ev)?;
    let issuing = keys.issuing()?;
    let id = EventId(u64::from_le_bytes(random_bytes::<8>()) & (i64::MAX as u64));
    let organizer_token = crate::util::new_secret("ingo");
    let key = EventSigningKey::from_seed(KeyId(1), random_bytes::<32>());
    let sealed = issuing.seal_signing_key(id, &key);

    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO events (id, name, venue, starts_secs, ends_secs, time_zone, code_step_secs, pin_digits, revision, \
         last_seq, organizer_token_hash, created_at, org_id, capacity) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, $9, $10, $11, $12)",
    )
    .bind(event_key(id))
    .bind(ev.name.trim())
    .bind(ev.venue.trim())
    .bind(ev.starts_secs)
    .bind(ev.ends_secs)
    .bind(ev.time_zone.trim())
    .bind(i64::from(DEFAULT_STEP_SECS))
    .bind(i64::from(ingia_core::pin::pin_digits_for(ev.capacity)))
    .bind(secret_hash(&organizer_token))
    .bind(now_ms() as i64)
    .bind(org)
    .bind(ev.capacity as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO event_keys (event_id, key_id, public_key, sealed_secret, active, sealed_by) \
         VALUES ($1, $2, $3, $4, 1, 'issuing')",
    )
    .bind(event_key(id))
    .bind(i64::from(key.key_id().0))
    .bind(key.public().to_bytes().to_vec())
    .bind(sealed)
    .execute(&mut *tx)
    .await?;
    for (i, g) in ev.gates.iter().enumerate() {
        insert_gate(&mut tx, id, i, g).await?;
    }
    for (i, t) in ev.types.iter().enumerate() {
        insert_type(&mut tx, id, i as u8 + 1, t, ev).await?;
    }
    tx.commit().await?;
    let detail = format!("event `{}`", ev.name.trim());
    match org {
        Some(org) => crate::audit::record_org(db, org, Some(id), actor, "event.create", &detail).await?,
        None => crate::audit::record(db, Some(id), actor, "event.create", &detail).await?,
    }
    Ok(CreatedEvent { id, organizer_token })
}

/// What an event's description must be, made or changed: its texts, times, gates (1 to 64,
/// each named once) and ticket types (1 to 255, each named once, each window and gate list
/// valid).
fn check_event(ev: &NewEvent) -> Result<()> {
    check_text("event name", &ev.name, 120)?;
    check_text("venue", &ev.venue, 120)?;
    check_text("time zone", &ev.time_zone, 60)?;
    if ev.ends_secs <= ev.starts_secs {
        return Err(Error::BadRequest("the event must end after it starts".into()));
    }
    if !(ev.doors_secs <= ev.starts_secs && ev.close_secs >= ev.ends_secs) {
        return Err(Error::BadRequest("doors must open before the start and close after the end".into()));
    }
    if ev.gates.len() > 64 || ev.types.len() > 255 {
        return Err(Error::BadRequest("an event has at most 64 gates and 255 ticket types".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for g in &ev.gates {
        check_text("gate name", g, 60)?;
        if !seen.insert(g.trim().to_lowercase()) {
            return Err(Error::BadRequest(format!("gate `{g}` is listed twice")));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in &ev.types {
        if !seen.insert(t.name.trim().to_lowercase()) {
            return Err(Error::BadRequest(format!("ticket type `{}` is listed twice", t.name)));
        }
        type_window(ev, t)?;
        type_gates(&ev.gates, t)?;
    }
    Ok(())
}

/// A type's admission window: its own, or the event's doors-to-close; inside 1970..2106.
fn type_window(ev: &NewEvent, t: &TypeSpec) -> Result<(u32, u32)> {
    let (from, until) = t.window.unwrap_or((ev.doors_secs, ev.close_secs));
    if until <= from {
        return Err(Error::BadRequest(format!("ticket type `{}` must stop admitting after it starts", t.name)));
    }
    let to_u32 =
        |s: i64| u32::try_from(s).map_err(|_| Error::BadRequest("times must fall between 1970 and 2106".into()));
    Ok((to_u32(from)?, to_u32(until)?))
}

/// The gate set a type names (empty: every gate), from the event's gate names.
fn type_gates(ev_gates: &[String], t: &TypeSpec) -> Result<GateSet> {
    let mut gates = Vec::new();
    for name in &t.gates {
        let pos = ev_gates.iter().position(|g| g.trim().eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            Error::BadRequest(format!("ticket type `{}` names gate `{name}`, which the event does not have", t.name))
        })?;
        gates.push(GateId(pos as u8));
    }
    Ok(GateSet::of(&gates))
}

async fn insert_gate(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: EventId, number: usize, name: &str) -> Result<()> {
    sqlx::query("INSERT INTO gates (event_id, gate_id, name) VALUES ($1, $2, $3)")
        .bind(event_key(id))
        .bind(number as i64)
        .bind(name.trim())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_type(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: EventId,
    type_id: u8,
    t: &TypeSpec,
    ev: &NewEvent,
) -> Result<()> {
    check_text("ticket type name", &t.name, 60)?;
    let (valid_from, valid_until) = type_window(ev, t)?;
    sqlx::query(
        "INSERT INTO ticket_types (event_id, type_id, name, ways, reentry, gates, valid_from_secs, \
         valid_until_secs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event_key(id))
    .bind(i64::from(type_id))
    .bind(t.name.trim())
    .bind(i64::from(t.ways.bits()))
    .bind(i64::from(t.reentry))
    .bind(type_gates(&ev.gates, t)?.0 as i64)
    .bind(i64::from(valid_from))
    .bind(i64::from(valid_until))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Changes an event: its details, its types' policies, and gates and types added at the end
/// (existing ones keep their numbers: tickets and devices refer to them). The signing key, the
/// PIN length and the ids stay. The gates learn the change at their next manifest pull.
pub async fn update_event(db: &Db, id: EventId, ev: &NewEvent, org: i64, actor: &str) -> Result<()> {
    let (header, _) = load_header(db, id).await?;
    if ev.gates.len() < header.gates.len() || ev.types.len() < header.ticket_types.len() {
        return Err(Error::BadRequest("gates and ticket types can be renamed or added, not removed".into()));
    }
    check_event(ev)?;
    let _guard = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE events SET name = $1, venue = $2, starts_secs = $3, ends_secs = $4, time_zone = $5, \
         revision = revision + 1 WHERE id = $6",
    )
    .bind(ev.name.trim())
    .bind(ev.venue.trim())
    .bind(ev.starts_secs)
    .bind(ev.ends_secs)
    .bind(ev.time_zone.trim())
    .bind(event_key(id))
    .execute(&mut *tx)
    .await?;
    // Renames go through a temporary name, so two gates may swap names.
    for (table, key) in [("gates", "gate_id"), ("ticket_types", "type_id")] {
        sqlx::query(&format!("UPDATE {table} SET name = '~' || {key} WHERE event_id = $1"))
            .bind(event_key(id))
            .execute(&mut *tx)
            .await?;
    }
    for (i, g) in ev.gates.iter().enumerate() {
        if i < header.gates.len() {
            sqlx::query("UPDATE gates SET name = $1 WHERE event_id = $2 AND gate_id = $3")
                .bind(g.trim())
                .bind(event_key(id))
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        } else {
            insert_gate(&mut tx, id, i, g).await?;
        }
    }
    for (i, t) in ev.types.iter().enumerate() {
        if i >= header.ticket_types.len() {
            insert_type(&mut tx, id, i as u8 + 1, t, ev).await?;
            continue;
        }
        check_text("ticket type name", &t.name, 60)?;
        let (valid_from, valid_until) = type_window(ev, t)?;
        sqlx::query(
            "UPDATE ticket_types SET name = $1, ways = $2, reentry = $3, gates = $4, valid_from_secs = $5, \
             valid_until_secs = $6 WHERE event_id = $7 AND type_id = $8",
        )
        .bind(t.name.trim())
        .bind(i64::from(t.ways.bits()))
        .bind(i64::from(t.reentry))
        .bind(type_gates(&ev.gates, t)?.0 as i64)
        .bind(i64::from(valid_from))
        .bind(i64::from(valid_until))
        .bind(event_key(id))
        .bind(i as i64 + 1)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    db.wake(id).await;
    crate::audit::record_org(db, org, Some(id), actor, "event.update", &format!("event `{}`", ev.name.trim())).await
}

/// What a signing key sealed under the master key (before the issuing key) was bound to.
fn key_context(event: EventId, key: KeyId) -> Vec<u8> {
    format!("ingia event {} key {}", event.0, key.0).into_bytes()
}

/// Moves the event's manifest revision on inside a write and returns it: every change the
/// gates must learn carries it, so their delta pulls never miss one.
pub async fn next_revision(tx: &mut sqlx::Transaction<'_, sqlx::Any>, event: EventId) -> Result<i64> {
    Ok(sqlx::query("UPDATE events SET revision = revision + 1 WHERE id = $1 RETURNING revision")
        .bind(event_key(event))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound("event"))?
        .try_get("revision")?)
}

/// Whether the database holds any event.
pub async fn any(db: &Db) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM events LIMIT 1").fetch_optional(&db.pool).await?.is_some())
}

/// Parses an event id as the CLI shows it (decimal).
pub fn parse_event_id(s: &str) -> Result<EventId> {
    s.trim().parse::<u64>().map(EventId).map_err(|_| Error::BadRequest(format!("`{s}` is not an event id")))
}

pub async fn require_event(db: &Db, id: EventId) -> Result<()> {
    let found = sqlx::query("SELECT 1 FROM events WHERE id = $1").bind(event_key(id)).fetch_optional(&db.pool).await?;
    found.map(|_| ()).ok_or(Error::NotFound("event"))
}

/// The event's active signing key (issuing tickets), opened with the issuing key; a key sealed
/// by a version before the split is opened with the master key until [`issuing_key`] reseals it.
pub async fn signing_key(db: &Db, keys: &Keys, id: EventId) -> Result<EventSigningKey> {
    let issuing = keys.issuing()?;
    let row = sqlx::query(
        "SELECT key_id, sealed_secret, sealed_by FROM event_keys WHERE event_id = $1 AND active = 1 \
         ORDER BY key_id DESC LIMIT 1",
    )
    .bind(event_key(id))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("event signing key"))?;
    let key_id = KeyId(row.try_get::<i64, _>("key_id")? as u8);
    let sealed = row.try_get::<Vec<u8>, _>("sealed_secret")?;
    match row.try_get::<String, _>("sealed_by")?.as_str() {
        "issuing" => issuing.open_signing_key(id, key_id, &sealed),
        _ => legacy_signing_key(&keys.master, id, key_id, &sealed),
    }
}

fn legacy_signing_key(master: &MasterKey, id: EventId, key_id: KeyId, sealed: &[u8]) -> Result<EventSigningKey> {
    let seed = master.open(&key_context(id, key_id), sealed)?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| Error::Internal("sealed key has the wrong length".into()))?;
    Ok(EventSigningKey::from_seed(key_id, seed))
}

/// What a server may do, by the issuing key it finds (`INGIA_ISSUING_KEY` or `path`):
/// - found: it issues; signing keys an older version sealed under the master key are resealed;
/// - not found, and the database has no event or still has keys sealed the old way (a first
///   start, or an upgrade): a new key is written to `path` and the old keys resealed under it;
/// - not found over events sealed under an issuing key: it serves gates and cannot issue
///   (`None`), which is how a venue server runs without the power to mint tickets.
pub async fn issuing_key(db: &Db, master: &MasterKey, path: &std::path::Path) -> Result<Option<IssuingKey>> {
    let legacy = sqlx::query("SELECT event_id, key_id, sealed_secret FROM event_keys WHERE sealed_by = 'master'")
        .fetch_all(&db.pool)
        .await?;
    let key = match IssuingKey::load(path)? {
        Some(key) => key,
        None if legacy.is_empty() && any(db).await? => return Ok(None),
        None => IssuingKey::load_or_create(path)?,
    };
    let mut tx = db.pool.begin().await?;
    for row in &legacy {
        let id = EventId(row.try_get::<i64, _>("event_id")? as u64);
        let key_id = KeyId(row.try_get::<i64, _>("key_id")? as u8);
        let signing = legacy_signing_key(master, id, key_id, &row.try_get::<Vec<u8>, _>("sealed_secret")?)?;
        sqlx::query(
            "UPDATE event_keys SET sealed_secret = $1, sealed_by = 'issuing' WHERE event_id = $2 AND key_id = $3",
        )
        .bind(key.seal_signing_key(id, &signing))
        .bind(event_key(id))
        .bind(i64::from(key_id.0))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if !legacy.is_empty() {
        tracing::info!(keys = legacy.len(), "resealed the events' signing keys under the issuing key");
    }
    Ok(Some(key))
}

/// Event header: info, keys, gates, types (everything but the tickets).
pub async fn load_header(db: &Db, id: EventId) -> Result<(Manifest, u64)> {
    let ev = sqlx::query(
        "SELECT name, venue, starts_secs, ends_secs, time_zone, code_step_secs, pin_digits, keep_hours, lang, revision FROM events \
         WHERE id = $1",
    )
    .bind(event_key(id))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("event"))?;
    let info = EventInfo {
        id,
        name: ev.try_get("name")?,
        venue: ev.try_get("venue")?,
        starts_at: ev.try_get::<i64, _>("starts_secs")? as u64,
        ends_at: ev.try_get::<i64, _>("ends_secs")? as u64,
        time_zone: ev.try_get("time_zone")?,
        code_step_secs: ev.try_get::<i64, _>("code_step_secs")? as u32,
        pin_digits: ev.try_get::<i64, _>("pin_digits")? as u8,
        keep_hours: ev.try_get::<i64, _>("keep_hours")?.clamp(0, i64::from(u16::MAX)) as u16,
        lang: ingia_core::Lang::from_tag(&ev.try_get::<String, _>("lang")?).unwrap_or_default(),
    };
    let revision = ev.try_get::<i64, _>("revision")? as u64;
    let mut m = Manifest::new(info);
    for k in sqlx::query("SELECT key_id, public_key FROM event_keys WHERE event_id = $1 AND active = 1 ORDER BY key_id")
        .bind(event_key(id))
        .fetch_all(&db.pool)
        .await?
    {
        let key_id = KeyId(k.try_get::<i64, _>("key_id")? as u8);
        let bytes: [u8; 32] = k
            .try_get::<Vec<u8>, _>("public_key")?
            .try_into()
            .map_err(|_| Error::Internal("stored public key has the wrong length".into()))?;
        m.keys.push(EventPublicKey::from_bytes(key_id, &bytes).map_err(|_| Error::Internal("bad stored key".into()))?);
    }
    for g in sqlx::query("SELECT gate_id, name FROM gates WHERE event_id = $1 ORDER BY gate_id")
        .bind(event_key(id))
        .fetch_all(&db.pool)
        .await?
    {
        m.gates.push(Gate { id: GateId(g.try_get::<i64, _>("gate_id")? as u8), name: g.try_get("name")? });
    }
    for t in sqlx::query(
        "SELECT type_id, name, ways, reentry, gates, valid_from_secs, valid_until_secs FROM ticket_types \
         WHERE event_id = $1 ORDER BY type_id",
    )
    .bind(event_key(id))
    .fetch_all(&db.pool)
    .await?
    {
        m.ticket_types.push(TicketType {
            id: TicketTypeId(t.try_get::<i64, _>("type_id")? as u8),
            name: t.try_get("name")?,
            policy: TypePolicy {
                ways: Ways::from_bits(t.try_get::<i64, _>("ways")? as u8),
                reentry: t.try_get::<i64, _>("reentry")? != 0,
                gates: GateSet(t.try_get::<i64, _>("gates")? as u64),
                valid_from: t.try_get::<i64, _>("valid_from_secs")? as u32,
                valid_until: t.try_get::<i64, _>("valid_until_secs")? as u32,
            },
        });
    }
    Ok((m, revision))
}

/// A ticket status as the database stores it (its core slug). An unknown one is an error, never
/// read as active.
pub fn stored_status(s: &str) -> Result<TicketStatus> {
    TicketStatus::from_slug(s).ok_or_else(|| Error::Internal(format!("unknown stored ticket status {s}")))
}

/// How long after the event ends gate devices keep its data (the next manifest pull tells them).
pub async fn set_keep_hours(db: &Db, id: EventId, hours: u16) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("UPDATE events SET keep_hours = $1, revision = revision + 1 WHERE id = $2")
        .bind(i64::from(hours))
        .bind(event_key(id))
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("event"));
    }
    tx.commit().await?;
    db.wake(id).await;
    Ok(())
}

/// The venue's capacity (the dashboard's alerts at 80, 90 and 100% of the people inside).
pub async fn set_capacity(db: &Db, id: EventId, capacity: u64) -> Result<()> {
    if capacity == 0 || capacity > 1_000_000 {
        return Err(Error::BadRequest("capacity must be 1 to 1000000 people".into()));
    }
    let done = sqlx::query("UPDATE events SET capacity = $1 WHERE id = $2")
        .bind(capacity as i64)
        .bind(event_key(id))
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("event"));
    }
    db.wake(id).await;
    Ok(())
}

/// The venue's capacity as stored (older events: none, the dashboard counts issued tickets).
pub async fn capacity(db: &Db, id: EventId) -> Result<Option<u64>> {
    let row = sqlx::query("SELECT capacity FROM events WHERE id = $1")
        .bind(event_key(id))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?;
    Ok(row.try_get::<Option<i64>, _>("capacity")?.map(|c| c.max(0) as u64))
}

/// An address for alerts as typed (blank: none), or why it is not one.
pub fn alert_address(typed: &str) -> Result<Option<String>> {
    let e = typed.trim();
    if e.is_empty() {
        return Ok(None);
    }
    if e.len() > 254 || e.parse::<lettre::Address>().is_err() {
        return Err(Error::BadRequest(format!("`{}` is not an email address", e.chars().take(80).collect::<String>())));
    }
    Ok(Some(e.to_string()))
}

/// Where the event's alerts are mailed (capacity steps, forgery spikes); `None` clears it.
pub async fn set_alert_email(db: &Db, id: EventId, email: Option<&str>) -> Result<()> {
    let email = alert_address(email.unwrap_or(""))?;
    let done = sqlx::query("UPDATE events SET alert_email = $1 WHERE id = $2")
        .bind(email)
        .bind(event_key(id))
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("event"));
    }
    Ok(())
}

/// The language the event's attendees read (texts, USSD, wallet, kiosk) unless their own is on
/// file.
pub async fn lang(db: &Db, id: EventId) -> Result<ingia_core::Lang> {
    let row = sqlx::query("SELECT lang FROM events WHERE id = $1")
        .bind(event_key(id))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?;
    Ok(ingia_core::Lang::from_tag(&row.try_get::<String, _>("lang")?).unwrap_or_default())
}

pub async fn set_lang(db: &Db, id: EventId, lang: ingia_core::Lang) -> Result<()> {
    sqlx::query("UPDATE events SET lang = $1 WHERE id = $2")
        .bind(lang.tag())
        .bind(event_key(id))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The language a form field names (a tag); blank is English.
pub fn lang_field(text: &str) -> Result<ingia_core::Lang> {
    if text.trim().is_empty() {
        return Ok(ingia_core::Lang::En);
    }
    ingia_core::Lang::from_tag(text).ok_or_else(|| {
        Error::BadRequest(format!("`{}` is not a language Ingia speaks", text.chars().take(20).collect::<String>()))
    })
}

/// The address the event's alerts go to, if any.
pub async fn alert_email(db: &Db, id: EventId) -> Result<Option<String>> {
    let row = sqlx::query("SELECT alert_email FROM events WHERE id = $1")
        .bind(event_key(id))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?;
    Ok(row.try_get("alert_email")?)
}

/// The form of a device's manifest: a supervisor's desk carries names and PINs for search (the
/// exception docs/security.md names); a steward's phone sealed entries it opens by scanned
/// credential or typed PIN; a kiosk sealed entries it opens by scanned credential only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestForm {
    Clear,
    Sealed { pins: bool },
}

impl ManifestForm {
    pub fn for_role(role: ingia_core::Role) -> Self {
        match role {
            ingia_core::Role::Supervisor => ManifestForm::Clear,
            ingia_core::Role::Steward => ManifestForm::Sealed { pins: true },
            ingia_core::Role::Kiosk => ManifestForm::Sealed { pins: false },
        }
    }
}

/// The manifest delta after `since` (0 = everything): issued tickets changed after it, in `form`.
pub async fn manifest_delta(
    db: &Db,
    master: &MasterKey,
    id: EventId,
    since: u64,
    form: ManifestForm,
) -> Result<ManifestDelta> {
    let (header, revision) = load_header(db, id).await?;
    let since = since.min(revision);
    let rows = sqlx::query(
        "SELECT ticket_id, holder, type_id, status, sealed, revision FROM tickets WHERE event_id = $1 AND \
         issued = 1 AND revision > $2 ORDER BY ticket_id",
    )
    .bind(event_key(id))
    .bind(since as i64)
    .fetch_all(&db.pool)
    .await?;
    let mut tickets = Vec::with_capacity(rows.len());
    for r in rows {
        let ticket = TicketId(r.try_get::<i64, _>("ticket_id")? as u32);
        let secrets = master.open_ticket(id, ticket, &r.try_get::<Vec<u8>, _>("sealed")?)?;
        let entry = TicketEntry {
            id: ticket,
            holder: r.try_get("holder")?,
            ticket_type: TicketTypeId(r.try_get::<i64, _>("type_id")? as u8),
            status: stored_status(&r.try_get::<String, _>("status")?)?,
            code_secret: secrets.code_secret,
            pin: secrets.pin,
            revision: r.try_get::<i64, _>("revision")? as u64,
            sealed: None,
        };
        tickets.push(match form {
            ManifestForm::Clear => entry,
            // The PIN's slow secret was derived once, at issuance.
            ManifestForm::Sealed { pins } => {
                entry.sealed_for_gate(id, &secrets.credential.signature, pins.then_some(&secrets.pin_secret))
            }
        });
    }
    Ok(ManifestDelta {
        event: header.event,
        base_revision: since,
        revision,
        keys: header.keys,
        gates: header.gates,
        ticket_types: header.ticket_types,
        tickets,
    })
}

/// An event as the console's lists show it.
pub struct Summary {
    pub id: EventId,
    pub name: String,
    pub venue: String,
    pub starts_secs: i64,
    pub ends_secs: i64,
    pub time_zone: String,
}

/// An organization's events, the latest first.
pub async fn list_for_org(db: &Db, org: i64) -> Result<Vec<Summary>> {
    let rows = sqlx::query(
        "SELECT id, name, venue, starts_secs, ends_secs, time_zone FROM events WHERE org_id = $1 ORDER BY starts_secs DESC",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Summary {
                id: EventId(r.try_get::<i64, _>("id")? as u64),
                name: r.try_get("name")?,
                venue: r.try_get("venue")?,
                starts_secs: r.try_get("starts_secs")?,
                ends_secs: r.try_get("ends_secs")?,
                time_zone: r.try_get("time_zone")?,
            })
        })
        .collect()
}
