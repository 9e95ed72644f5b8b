//! Check-in sync on the server: every submitted record is stored (the scan audit log); an
//! admission counts only when `ingia_core::proof::vouch` believes it (its proof of what the gate
//! saw, its gate, its time, the device's role) and the device is within its ceiling; then it is
//! decided by the first-wins rule of `ingia_core::conflict::decide`, atomically per ticket:
//! idempotency comes from the (device, scan id) primary key, and the admission from a
//! conditional update of the ticket's presence row (`WHERE version = read version`), retried
//! when another server got there first. Never read-then-write without that condition.
//! The event's sequence row is locked from numbering to commit, so sequence order is commit
//! order and a delta pull can never skip an admission.

use ingia_core::conflict::{self, Decision, ItemResult, ServerTicket, SyncOutcome};
use ingia_core::proof::{self, Doubt, Evidence};
use ingia_core::{
    CheckIn, DeviceId, EventId, GateId, GateSet, LedgerEntry, Movement, Presence, ScanId, Stamp, Standing, TicketId,
    TypePolicy, UnixMillis, Ways,
};
use serde::Serialize;
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::devices::DeviceAuth;
use crate::error::{Error, Result};
use crate::events::stored_status;
use crate::secrets::MasterKey;
use crate::util::spreadsheet_safe;

/// Checks a record against the device that sent it: its own id, event and gate only.
/// (A time the device could not have admitted at is not the batch's fault: that record is kept
/// and doubted by `ingia_core::proof::vouch`, so one bad clock never blocks an outbox.)
pub fn check_record(auth: &DeviceAuth, r: &CheckIn) -> Result<()> {
    // Its own gate; or the gate it was moved from, for what it recorded there before the move.
    let before_move =
        auth.moved.is_some_and(|(g, at)| g == r.gate && r.at.0 <= at + ingia_core::proof::CLOCK_TOLERANCE_MS);
    if r.device != auth.device || r.event != auth.event || (r.gate != auth.gate && !before_move) {
        return Err(Error::Forbidden);
    }
    if let Err(e) = ingia_core::staff_name(&r.staff) {
        return Err(Error::BadRequest(format!("staff: {e}")));
    }
    if r.is_admission() && r.ticket.is_none() {
        return Err(Error::BadRequest("an admission must name its ticket".into()));
    }
    Ok(())
}

/// A record's outcome column between its insert and its decision, inside one transaction.
const UNDECIDED: &str = "pending";

fn outcome_from_row(row: &sqlx::any::AnyRow) -> Result<SyncOutcome> {
    let stamp = |at: &str, gate: &str, device: &str| -> Result<Stamp> {
        Ok(Stamp {
            at: UnixMillis(row.try_get::<Option<i64>, _>(at)?.unwrap_or(0) as u64),
            gate: GateId(row.try_get::<Option<i64>, _>(gate)?.unwrap_or(0) as u8),
            device: DeviceId(row.try_get::<Option<i64>, _>(device)?.unwrap_or(0) as u32),
        })
    };
    let slug = row.try_get::<String, _>("outcome")?;
    let seq = row.try_get::<Option<i64>, _>("seq")?.map(|s| s as u64);
    let winner = match row.try_get::<Option<i64>, _>("winner_at")? {
        Some(_) => Some(stamp("winner_at", "winner_gate", "winner_device")?),
        None => None,
    };
    let status = match row.try_get::<Option<String>, _>("revoked_status")? {
        Some(s) => Some(stored_status(&s)?),
        None => None,
    };
    let doubt = row.try_get::<Option<String>, _>("doubt")?.as_deref().and_then(Doubt::from_slug);
    SyncOutcome::from_parts(&slug, seq, winner, status, doubt)
        .ok_or_else(|| Error::Internal(format!("undecided check-in ({slug})")))
}

fn presence_from_row(row: &sqlx::any::AnyRow) -> Result<(i64, Presence)> {
    let stamp = |at: &str, gate: &str, device: &str| -> Result<Option<Stamp>> {
        Ok(match row.try_get::<Option<i64>, _>(at)? {
            None => None,
            Some(at) => Some(Stamp {
                at: UnixMillis(at as u64),
                gate: GateId(row.try_get::<Option<i64>, _>(gate)?.unwrap_or(0) as u8),
                device: DeviceId(row.try_get::<Option<i64>, _>(device)?.unwrap_or(0) as u32),
            }),
        })
    };
    Ok((
        row.try_get("version")?,
        Presence {
            first_entry: stamp("first_at", "first_gate", "first_device")?,
            inside: stamp("inside_at", "inside_gate", "inside_device")?,
        },
    ))
}

/// Stores and decides one record (already checked with [`check_record`]).
pub async fn submit(
    db: &Db,
    master: &MasterKey,
    auth: &DeviceAuth,
    record: &CheckIn,
    received_at: u64,
) -> Result<ItemResult> {
    let ev = event_key(record.event);
    let _writer = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    // Write first: it takes SQLite's write lock at once, and makes (device, scan id) idempotent.
    let inserted = sqlx::query(
        "INSERT INTO checkins (event_id, device_id, scan_id, ticket_id, gate_id, staff, at, movement, result, outcome, \
         received_at, proof) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (device_id, scan_id) DO NOTHING",
    )
    .bind(ev)
    .bind(i64::from(record.device.0))
    .bind(record.scan_id.0 as i64)
    .bind(record.ticket.map(|t| i64::from(t.0)))
    .bind(i64::from(record.gate.0))
    .bind(record.staff.trim())
    .bind(record.at.0 as i64)
    .bind(record.movement.slug())
    .bind(record.result.slug())
    .bind(UNDECIDED)
    .bind(received_at as i64)
    .bind(record.proof.to_bytes())
    .execute(&mut *tx)
    .await?;
    let result = |outcome, duplicate| ItemResult { device: record.device, scan_id: record.scan_id, outcome, duplicate };
    if inserted.rows_affected() == 0 {
        let row = sqlx::query(
            "SELECT outcome, seq, winner_at, winner_gate, winner_device, revoked_status, doubt FROM checkins \
             WHERE device_id = $1 AND scan_id = $2",
        )
        .bind(i64::from(record.device.0))
        .bind(record.scan_id.0 as i64)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(result(outcome_from_row(&row)?, true));
    }
    let outcome = decide(&mut tx, master, auth, record, received_at).await?;
    let (winner, seq, revoked, doubt) = match outcome {
        SyncOutcome::Accepted { seq } => (None, Some(seq as i64), None, None),
        SyncOutcome::Conflict { winner } => (Some(winner), None, None, None),
        SyncOutcome::Revoked { status } => (None, None, Some(status.slug()), None),
        SyncOutcome::Doubted { doubt } => (None, None, None, Some(doubt.slug())),
        _ => (None, None, None, None),
    };
    let name = outcome.slug();
    if let SyncOutcome::Doubted { doubt } = outcome {
        alert(&mut tx, record, doubt, received_at).await?;
    }
    sqlx::query(
        "UPDATE checkins SET outcome = $1, seq = $2, winner_at = $3, winner_gate = $4, winner_device = $5, \
         revoked_status = $6, doubt = $7 WHERE device_id = $8 AND scan_id = $9",
    )
    .bind(name)
    .bind(seq)
    .bind(winner.map(|w| w.at.0 as i64))
    .bind(winner.map(|w| i64::from(w.gate.0)))
    .bind(winner.map(|w| i64::from(w.device.0)))
    .bind(revoked)
    .bind(doubt)
    .bind(i64::from(record.device.0))
    .bind(record.scan_id.0 as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // Alerts after the commit (a failure here loses no check-in); every new scan wakes the
    // streams: gates read only new admissions, dashboards also count refusals.
    let entry = seq.is_some() && record.movement == Movement::Entry;
    let watched =
        crate::dashboard::watch(db, record.event, record.gate, record.result, entry, record.at.0, received_at);
    if let Err(e) = watched.await {
        tracing::warn!(error = %e, "alerts not checked");
    }
    db.wake(record.event).await;
    Ok(result(outcome, false))
}

/// Records a doubted admission for the organizer: every one is kept as an alert (the audit
/// has the record itself); the dashboard shows them.
async fn alert(tx: &mut sqlx::Transaction<'_, sqlx::Any>, record: &CheckIn, doubt: Doubt, now: u64) -> Result<()> {
    let kind = if doubt == Doubt::OverCeiling { "over_ceiling" } else { "doubted" };
    let facts = ingia_core::watch::alert_facts(&[
        ("device", &record.device.to_string()),
        ("gate", &record.gate.to_string()),
        ("ticket", &record.ticket.map_or_else(|| "?".to_string(), |t| t.to_string())),
        ("why", doubt.slug()),
    ]);
    let detail = ingia_core::watch::alert_detail(ingia_core::Lang::En, kind, &facts).unwrap_or_default();
    sqlx::query("INSERT INTO alerts (event_id, at, device_id, kind, detail, facts) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(event_key(record.event))
        .bind(now as i64)
        .bind(i64::from(record.device.0))
        .bind(kind)
        .bind(detail)
        .bind(facts)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Reads what the rules need; lets `ingia_core::proof` say whether the server believes the
/// admission and `ingia_core::conflict::decide` who wins; keeps only the atomic write around
/// them: the new presence is stored only if the ticket's row is still the version that was read
/// (else another server got there first: read again).
async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    master: &MasterKey,
    auth: &DeviceAuth,
    record: &CheckIn,
    now: u64,
) -> Result<SyncOutcome> {
    let ticket = match conflict::ticket_to_read(record) {
        Ok(t) => t,
        Err(outcome) => return Ok(outcome),
    };
    let ev = event_key(record.event);
    let mut vouched = false;
    loop {
        let row = sqlx::query(
            "SELECT t.status, t.sealed, tt.ways, tt.reentry, tt.gates, tt.valid_from_secs, \
             tt.valid_until_secs, e.code_step_secs, p.version, p.first_at, p.first_gate, p.first_device, p.inside_at, \
             p.inside_gate, p.inside_device, (SELECT COUNT(*) FROM checkins c WHERE c.device_id = $3 AND c.at > $4 \
             AND c.at <= $5 AND c.outcome = $6) AS in_last_minute FROM tickets t JOIN ticket_types tt ON \
             tt.event_id = t.event_id AND tt.type_id = t.type_id JOIN presence p ON p.event_id = t.event_id AND \
             p.ticket_id = t.ticket_id JOIN events e ON e.id = t.event_id \
             WHERE t.event_id = $1 AND t.ticket_id = $2 AND t.issued = 1",
        )
        .bind(ev)
        .bind(i64::from(ticket.0))
        // The ceiling's measure: admissions the server counted for this device in the minute of
        // scan time before this record (scan time, so a gate's offline backlog is not a burst).
        .bind(i64::from(record.device.0))
        .bind(record.at.0 as i64 - 60_000)
        .bind(record.at.0 as i64)
        .bind(SyncOutcome::ACCEPTED)
        .fetch_optional(&mut **tx)
        .await?;
        let read = match &row {
            None => None,
            Some(row) => {
                let (version, presence) = presence_from_row(row)?;
                let status = stored_status(&row.try_get::<String, _>("status")?)?;
                let policy = TypePolicy {
                    ways: Ways::from_bits(row.try_get::<i64, _>("ways")? as u8),
                    reentry: row.try_get::<i64, _>("reentry")? != 0,
                    gates: GateSet(row.try_get::<i64, _>("gates")? as u64),
                    valid_from: row.try_get::<i64, _>("valid_from_secs")? as u32,
                    valid_until: row.try_get::<i64, _>("valid_until_secs")? as u32,
                };
                if !vouched {
                    let secrets = master.open_ticket(record.event, ticket, &row.try_get::<Vec<u8>, _>("sealed")?)?;
                    let evidence = Evidence {
                        credential: &secrets.credential,
                        code_secret: &secrets.code_secret,
                        pin: secrets.pin,
                        policy: &policy,
                        step_secs: row.try_get::<i64, _>("code_step_secs")? as u32,
                    };
                    if let Err(doubt) = proof::vouch(record, auth.source(), &evidence, UnixMillis(now)) {
                        return Ok(SyncOutcome::Doubted { doubt });
                    }
                    let in_last_minute = row.try_get::<i64, _>("in_last_minute")?.clamp(0, i64::from(u32::MAX)) as u32;
                    if let Err(doubt) = proof::within_ceiling(in_last_minute) {
                        return Ok(SyncOutcome::Doubted { doubt });
                    }
                    vouched = true;
                }
                Some((version, ServerTicket { status, reentry: policy.reentry, presence }))
            }
        };
        let presence = match conflict::decide(record, read.as_ref().map(|(_, t)| t)) {
            Decision::Outcome(outcome) => return Ok(outcome),
            Decision::Move(presence) => presence,
        };
        let version = read.map_or(0, |(v, _)| v);
        if write_presence(tx, ev, i64::from(ticket.0), &presence, version).await? {
            let seq: i64 = sqlx::query("UPDATE events SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
                .bind(ev)
                .fetch_one(&mut **tx)
                .await?
                .try_get("last_seq")?;
            return Ok(SyncOutcome::Accepted { seq: seq as u64 });
        }
        // Another server changed this ticket between our read and our write: read again.
    }
}

/// Stores a ticket's presence only if its row is still at `version` (the one read): `false` when
/// another writer got there first (then read again). Never read-then-write without it.
async fn write_presence(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ev: i64,
    ticket: i64,
    presence: &Presence,
    version: i64,
) -> Result<bool> {
    let opt = |s: Option<Stamp>| s.map(|s| (s.at.0 as i64, i64::from(s.gate.0), i64::from(s.device.0)));
    let (first, inside) = (opt(presence.first_entry), opt(presence.inside));
    let updated = sqlx::query(
        "UPDATE presence SET version = version + 1, first_at = $1, first_gate = $2, first_device = $3, \
         inside_at = $4, inside_gate = $5, inside_device = $6 WHERE event_id = $7 AND ticket_id = $8 AND version = $9",
    )
    .bind(first.map(|f| f.0))
    .bind(first.map(|f| f.1))
    .bind(first.map(|f| f.2))
    .bind(inside.map(|f| f.0))
    .bind(inside.map(|f| f.1))
    .bind(inside.map(|f| f.2))
    .bind(ev)
    .bind(ticket)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Accepted movements after `seq` (at most `limit`), and the cursor to ask from next time.
pub async fn admissions_since(db: &Db, event: EventId, seq: u64, limit: u32) -> Result<(Vec<LedgerEntry>, u64)> {
    let last: i64 = sqlx::query("SELECT last_seq FROM events WHERE id = $1")
        .bind(event_key(event))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?
        .try_get("last_seq")?;
    let rows = sqlx::query(
        "SELECT ticket_id, device_id, scan_id, at, gate_id, movement, seq, outcome FROM checkins WHERE event_id = $1 AND \
         seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
    )
    .bind(event_key(event))
    .bind(seq as i64)
    .bind(last)
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut last_seq = seq;
    for r in &rows {
        let device = DeviceId(r.try_get::<i64, _>("device_id")? as u32);
        let row_seq = r.try_get::<i64, _>("seq")? as u64;
        last_seq = row_seq;
        // An annulled admission comes round again, numbered when it was annulled, as rejected:
        // the gates' ledgers drop it (rejected is the greater standing).
        let standing = if r.try_get::<String, _>("outcome")? == SyncOutcome::ANNULLED {
            Standing::Rejected
        } else {
            Standing::Accepted { seq: row_seq }
        };
        out.push(LedgerEntry {
            standing,
            ticket: TicketId(r.try_get::<Option<i64>, _>("ticket_id")?.unwrap_or(0) as u32),
            device,
            scan_id: ScanId(r.try_get::<i64, _>("scan_id")? as u64),
            stamp: Stamp {
                at: UnixMillis(r.try_get::<i64, _>("at")? as u64),
                gate: GateId(r.try_get::<i64, _>("gate_id")? as u8),
                device,
            },
            movement: Movement::from_slug(&r.try_get::<String, _>("movement")?)
                .ok_or_else(|| Error::Internal("unknown stored movement".into()))?,
        });
    }
    let cursor = if out.len() as u32 == limit { last_seq } else { last as u64 };
    Ok((out, cursor.max(seq)))
}

/// Annuls, in one transaction, every admission a revoked device made at or after `after` (Unix
/// ms): each becomes `annulled`, renumbered so the gates' next pull carries it (as rejected),
/// and each affected ticket's presence is replayed from the admissions that still count, so
/// its holder can enter again. Returns how many were annulled.
pub async fn annul(db: &Db, event: EventId, device: DeviceId, after: u64, now: u64) -> Result<usize> {
    let ev = event_key(event);
    let _writer = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    let revoked = sqlx::query("SELECT revoked_at FROM devices WHERE id = $1 AND event_id = $2")
        .bind(i64::from(device.0))
        .bind(ev)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("device"))?
        .try_get::<Option<i64>, _>("revoked_at")?;
    if revoked.is_none() {
        return Err(Error::BadRequest(format!(
            "revoke device {device} first: its admissions are annulled only once it can make no more"
        )));
    }
    let rows = sqlx::query(
        "SELECT scan_id, ticket_id FROM checkins WHERE event_id = $1 AND device_id = $2 AND outcome = $3 AND at >= $4 \
         ORDER BY seq",
    )
    .bind(ev)
    .bind(i64::from(device.0))
    .bind(SyncOutcome::ACCEPTED)
    .bind(after as i64)
    .fetch_all(&mut *tx)
    .await?;
    let mut tickets = std::collections::BTreeSet::new();
    for r in &rows {
        let seq: i64 = sqlx::query("UPDATE events SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
            .bind(ev)
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_seq")?;
        sqlx::query(
            "UPDATE checkins SET outcome = $1, seq = $2, annulled_at = $3 WHERE device_id = $4 AND scan_id = $5",
        )
        .bind(SyncOutcome::ANNULLED)
        .bind(seq)
        .bind(now as i64)
        .bind(i64::from(device.0))
        .bind(r.try_get::<i64, _>("scan_id")?)
        .execute(&mut *tx)
        .await?;
        if let Some(t) = r.try_get::<Option<i64>, _>("ticket_id")? {
            tickets.insert(t);
        }
    }
    for ticket in &tickets {
        let reentry = sqlx::query(
            "SELECT tt.reentry FROM tickets t JOIN ticket_types tt ON tt.event_id = t.event_id AND tt.type_id = t.type_id \
             WHERE t.event_id = $1 AND t.ticket_id = $2",
        )
        .bind(ev)
        .bind(ticket)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>("reentry")?
            != 0;
        // Replayed from what still counts, and written only over the version read (a server
        // admitting this ticket meanwhile makes us read again).
        loop {
            let version: i64 = sqlx::query("SELECT version FROM presence WHERE event_id = $1 AND ticket_id = $2")
                .bind(ev)
                .bind(ticket)
                .fetch_one(&mut *tx)
                .await?
                .try_get("version")?;
            let mut movements = Vec::new();
            for m in sqlx::query(
                "SELECT at, gate_id, device_id, movement FROM checkins WHERE event_id = $1 AND ticket_id = $2 \
                 AND outcome = $3 ORDER BY seq",
            )
            .bind(ev)
            .bind(ticket)
            .bind(SyncOutcome::ACCEPTED)
            .fetch_all(&mut *tx)
            .await?
            {
                let movement = Movement::from_slug(&m.try_get::<String, _>("movement")?)
                    .ok_or_else(|| Error::Internal("unknown stored movement".into()))?;
                let stamp = Stamp {
                    at: UnixMillis(m.try_get::<i64, _>("at")? as u64),
                    gate: GateId(m.try_get::<i64, _>("gate_id")? as u8),
                    device: DeviceId(m.try_get::<i64, _>("device_id")? as u32),
                };
                movements.push((movement, stamp));
            }
            if write_presence(&mut tx, ev, *ticket, &Presence::replay(movements, reentry), version).await? {
                break;
            }
        }
    }
    tx.commit().await?;
    db.wake(event).await;
    let detail = format!(
        "device {device}: {} admissions from {} annulled ({} tickets may enter again)",
        rows.len(),
        crate::util::format_utc((after / 1000) as i64),
        tickets.len()
    );
    crate::audit::record(db, Some(event), "organizer", "device.annul", &detail).await?;
    Ok(rows.len())
}

/// The organizer's alerts: admissions the server did not count, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub at: i64,
    pub device: Option<u32>,
    pub kind: String,
    pub detail: String,
    /// What the alert says, as facts any language can say (`ingia_core::watch::alert_facts`).
    pub facts: String,
}

impl Alert {
    /// The alert's sentence in `lang` (its stored English one for an alert kept without facts).
    pub fn said(&self, lang: ingia_core::Lang) -> String {
        ingia_core::watch::alert_detail(lang, &self.kind, &self.facts).unwrap_or_else(|| self.detail.clone())
    }
}

pub async fn alerts(db: &Db, event: EventId, limit: u32) -> Result<Vec<Alert>> {
    let rows = sqlx::query(
        "SELECT at, device_id, kind, detail, facts FROM alerts WHERE event_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(event_key(event))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Alert {
                at: r.try_get("at")?,
                device: r.try_get::<Option<i64>, _>("device_id")?.map(|d| d as u32),
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
                facts: r.try_get("facts")?,
            })
        })
        .collect()
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct GateStats {
    pub gate: u8,
    pub name: String,
    pub admitted: i64,
    pub refused: i64,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub checked_in: i64,
    pub total: i64,
    pub gates: Vec<GateStats>,
    /// Admissions per minute over the last hour: (minute start in Unix ms, count).
    pub per_minute: Vec<(i64, i64)>,
    pub conflicts: i64,
    /// Admissions the server did not count (doubted), and the latest alerts for the organizer.
    pub doubted: i64,
    pub alerts: Vec<Alert>,
}

pub async fn stats(db: &Db, event: EventId, now: u64) -> Result<Stats> {
    let ev = event_key(event);
    let one = |sql: &'static str| sqlx::query(sql).bind(ev);
    let total: i64 = one("SELECT COUNT(*) AS n FROM tickets WHERE event_id = $1 AND issued = 1")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let checked_in: i64 = one("SELECT COUNT(*) AS n FROM presence WHERE event_id = $1 AND first_at IS NOT NULL")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let conflicts: i64 = one("SELECT COUNT(*) AS n FROM checkins WHERE event_id = $1 AND outcome = $2")
        .bind(SyncOutcome::CONFLICT)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let doubted: i64 = one("SELECT COUNT(*) AS n FROM checkins WHERE event_id = $1 AND outcome = $2")
        .bind(SyncOutcome::DOUBTED)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let mut gates = Vec::new();
    for g in one(
        "SELECT g.gate_id, g.name, \
         (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.outcome = $2 AND c.movement = $3) AS admitted, \
         (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.result <> $4) AS refused \
         FROM gates g WHERE g.event_id = $1 ORDER BY g.gate_id",
    )
    .bind(SyncOutcome::ACCEPTED)
    .bind(Movement::Entry.slug())
    .bind(ingia_core::ScanResult::Admitted.slug())
    .fetch_all(&db.pool)
    .await?
    {
        gates.push(GateStats {
            gate: g.try_get::<i64, _>("gate_id")? as u8,
            name: g.try_get("name")?,
            admitted: g.try_get("admitted")?,
            refused: g.try_get("refused")?,
        });
    }
    let since = now.saturating_sub(3_600_000) as i64;
    let mut per_minute = Vec::new();
    for r in sqlx::query(
        "SELECT (at / 60000) * 60000 AS minute, COUNT(*) AS n FROM checkins WHERE event_id = $1 AND outcome = $2 \
         AND movement = $3 AND at >= $4 GROUP BY (at / 60000) * 60000 ORDER BY minute",
    )
    .bind(ev)
    .bind(SyncOutcome::ACCEPTED)
    .bind(Movement::Entry.slug())
    .bind(since)
    .fetch_all(&db.pool)
    .await?
    {
        per_minute.push((r.try_get::<i64, _>("minute")?, r.try_get::<i64, _>("n")?));
    }
    let alerts = alerts(db, event, 20).await?;
    Ok(Stats { checked_in, total, gates, per_minute, conflicts, doubted, alerts })
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    pub ticket: Option<u32>,
    pub holder: String,
    pub device: u32,
    pub gate: u8,
    pub at: i64,
    pub winner_at: i64,
    pub winner_gate: u8,
    pub winner_device: u32,
}

pub async fn conflicts(db: &Db, event: EventId) -> Result<Vec<ConflictRow>> {
    let rows = sqlx::query(
        "SELECT c.ticket_id, COALESCE(t.holder, '') AS holder, c.device_id, c.gate_id, c.at, c.winner_at, c.winner_gate, \
         c.winner_device FROM checkins c LEFT JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id \
         WHERE c.event_id = $1 AND c.outcome = $2 ORDER BY c.at DESC LIMIT 500",
    )
    .bind(event_key(event))
    .bind(SyncOutcome::CONFLICT)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ConflictRow {
                ticket: r.try_get::<Option<i64>, _>("ticket_id")?.map(|t| t as u32),
                holder: r.try_get("holder")?,
                device: r.try_get::<i64, _>("device_id")? as u32,
                gate: r.try_get::<i64, _>("gate_id")? as u8,
                at: r.try_get("at")?,
                winner_at: r.try_get::<Option<i64>, _>("winner_at")?.unwrap_or(0),
                winner_gate: r.try_get::<Option<i64>, _>("winner_gate")?.unwrap_or(0) as u8,
                winner_device: r.try_get::<Option<i64>, _>("winner_device")?.unwrap_or(0) as u32,
            })
        })
        .collect()
}

/// Attendance as CSV: one line per issued ticket, with its first entry (time UTC, gate, device).
pub async fn export_csv(db: &Db, event: EventId) -> Result<String> {
    crate::events::require_event(db, event).await?;
    let rows = sqlx::query(
        "SELECT t.ticket_id, t.holder, tt.name AS type_name, t.status, p.first_at, g.name AS gate_name, p.first_device \
         FROM tickets t JOIN ticket_types tt ON tt.event_id = t.event_id AND tt.type_id = t.type_id \
         LEFT JOIN presence p ON p.event_id = t.event_id AND p.ticket_id = t.ticket_id \
         LEFT JOIN gates g ON g.event_id = t.event_id AND g.gate_id = p.first_gate \
         WHERE t.event_id = $1 AND t.issued = 1 ORDER BY t.ticket_id",
    )
    .bind(event_key(event))
    .fetch_all(&db.pool)
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record(["ticket", "holder", "ticket_type", "status", "checked_in_at_utc", "gate", "device"])
        .map_err(csv_err)?;
    for r in rows {
        let at = r.try_get::<Option<i64>, _>("first_at")?;
        w.write_record([
            r.try_get::<i64, _>("ticket_id")?.to_string(),
            spreadsheet_safe(r.try_get::<String, _>("holder")?),
            spreadsheet_safe(r.try_get::<String, _>("type_name")?),
            r.try_get::<String, _>("status")?,
            at.map(|ms| crate::util::format_utc(ms / 1000)).unwrap_or_default(),
            spreadsheet_safe(r.try_get::<Option<String>, _>("gate_name")?.unwrap_or_default()),
            r.try_get::<Option<i64>, _>("first_device")?.map(|d| d.to_string()).unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))?)
        .map_err(|_| Error::Internal("csv is not UTF-8".into()))
}

/// Every scan attempt of the event (the audit log) as CSV, in time order: when, which device and
/// gate, who scanned, which ticket, what the gate decided and what the server made of it.
pub async fn export_scans_csv(db: &Db, event: EventId) -> Result<String> {
    crate::events::require_event(db, event).await?;
    let rows = sqlx::query(
        "SELECT c.at, c.device_id, c.scan_id, g.name AS gate_name, c.staff, c.ticket_id, c.movement, c.result, \
         c.outcome FROM checkins c LEFT JOIN gates g ON g.event_id = c.event_id AND g.gate_id = c.gate_id \
         WHERE c.event_id = $1 ORDER BY c.at, c.device_id, c.scan_id",
    )
    .bind(event_key(event))
    .fetch_all(&db.pool)
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record(["at_utc", "device", "scan_id", "gate", "staff", "ticket", "movement", "result", "outcome"])
        .map_err(csv_err)?;
    for r in rows {
        w.write_record([
            crate::util::format_utc(r.try_get::<i64, _>("at")? / 1000),
            r.try_get::<i64, _>("device_id")?.to_string(),
            // Scan ids are u64 stored bit for bit: read back unsigned (above 2^63 too).
            (r.try_get::<i64, _>("scan_id")? as u64).to_string(),
            spreadsheet_safe(r.try_get::<Option<String>, _>("gate_name")?.unwrap_or_default()),
            spreadsheet_safe(r.try_get::<String, _>("staff")?),
            r.try_get::<Option<i64>, _>("ticket_id")?.map(|t| t.to_string()).unwrap_or_default(),
            r.try_get::<String, _>("movement")?,
            r.try_get::<String, _>("result")?,
            r.try_get::<String, _>("outcome")?,
        ])
        .map_err(csv_err)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))?)
        .map_err(|_| Error::Internal("csv is not UTF-8".into()))
}
