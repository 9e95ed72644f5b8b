//! Live operations: what the organizer's dashboard and the end-of-event report show, read from
//! the database in one place ([`Board::read`]), and the alerts the server raises as check-ins
//! arrive ([`watch`]: capacity at 80/90/100%, a forgery spike at one gate). The thresholds are
//! `ingia_core::watch`'s; this module only counts.
//!
//! A board holds attendees' names only in its conflicts; [`Board::for_role`] gives a viewer's
//! copy with initials (`watch::shown_name`). Emails and phones are never on a board: only the
//! no-show list ([`no_shows`]), which the console opens to managers, has them.
//!
//! The boards of one event are read once per wake and shared by its dashboards ([`Cache`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ingia_core::access::OrgRole;
use ingia_core::checkin::{Movement, ScanResult};
use ingia_core::verdict::RefusalKind;
use ingia_core::watch;
use ingia_core::{EventId, GateId, SyncOutcome, UnixMillis};
use serde::Serialize;
use sqlx::Row;

use crate::checkins::{Alert, ConflictRow};
use crate::db::{event_key, Db};
use crate::error::Result;

/// Most minutes the chart covers (the latest; a longer event shows its last 6 hours).
pub const CHART_MINUTES: u64 = 6 * 60;

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub event: u64,
    pub name: String,
    pub time_zone: String,
    pub starts_at: u32,
    pub ends_at: u32,
    /// The server's time when read (Unix ms).
    pub now: u64,
    /// The event's acceptance sequence when read.
    pub seq: u64,
    pub checked_in: u64,
    pub total: u64,
    /// Entries minus exits: tickets inside now.
    pub inside: u64,
    /// The venue's capacity (the event's, else its issued tickets) and the step `inside` reached.
    pub capacity: u64,
    pub capacity_step: Option<u8>,
    pub gates: Vec<GateBoard>,
    /// Admissions per minute: (minute start, Unix ms; count), every minute from the first
    /// admission (or the last [`CHART_MINUTES`]) to now, empty minutes included.
    pub per_minute: Vec<(u64, u64)>,
    /// Refusals by gate and reason (the gate's verdict), most first.
    pub refusals: Vec<Refusals>,
    pub alerts: Vec<Alert>,
    pub conflicts: Vec<ConflictRow>,
    pub conflict_count: u64,
    pub doubted: u64,
    /// Issued, valid tickets not checked in, once [`watch::no_shows_due`] (else `None`).
    pub no_shows: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateBoard {
    pub gate: u8,
    pub name: String,
    pub admitted: u64,
    pub exits: u64,
    pub refused: u64,
    /// Admissions per minute over the last [`watch::RATE_WINDOW_MS`].
    pub rate: f32,
    pub devices: Vec<DeviceBoard>,
    /// Every paired device of the gate is silent (a gate with no device is not flagged).
    pub silent: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceBoard {
    pub device: u32,
    pub name: String,
    pub last_contact: Option<u64>,
    pub silent: bool,
    /// Records it said it had not synced yet, at its last pull.
    pub pending: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refusals {
    pub gate: u8,
    pub reason: String,
    pub count: u64,
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl Board {
    /// Everything the dashboard shows, as the database holds it at `now`.
    pub async fn read(db: &Db, event: EventId, now: u64) -> Result<Board> {
        let ev = event_key(event);
        let head = sqlx::query(
            "SELECT name, time_zone, starts_secs, ends_secs, last_seq, \
             COALESCE(capacity, (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.issued = 1)) AS capacity, \
             (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.issued = 1) AS total, \
             (SELECT COUNT(*) FROM presence p WHERE p.event_id = e.id AND p.first_at IS NOT NULL) AS checked_in, \
             (SELECT COUNT(*) FROM presence p WHERE p.event_id = e.id AND p.inside_at IS NOT NULL) AS inside \
             FROM events e WHERE e.id = $1",
        )
        .bind(ev)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(crate::Error::NotFound("event"))?;
        let starts_at = head.try_get::<i64, _>("starts_secs")? as u32;
        let (inside, capacity) = (count(head.try_get("inside")?), count(head.try_get("capacity")?));

        let since = now.saturating_sub(watch::RATE_WINDOW_MS) as i64;
        let mut gates = Vec::new();
        for g in sqlx::query(
            "SELECT g.gate_id, g.name, \
             (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.outcome = $2 AND c.movement = $3) AS admitted, \
             (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.outcome = $2 AND c.movement = $4) AS exits, \
             (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.result <> $5) AS refused, \
             (SELECT COUNT(*) FROM checkins c WHERE c.event_id = g.event_id AND c.gate_id = g.gate_id AND c.outcome = $2 AND c.movement = $3 AND c.at > $6) AS recent \
             FROM gates g WHERE g.event_id = $1 ORDER BY g.gate_id",
        )
        .bind(ev)
        .bind(SyncOutcome::ACCEPTED)
        .bind(Movement::Entry.slug())
        .bind(Movement::Exit.slug())
        .bind(ScanResult::Admitted.slug())
        .bind(since)
        .fetch_all(&db.pool)
        .await?
        {
            gates.push(GateBoard {
                gate: g.try_get::<i64, _>("gate_id")? as u8,
                name: g.try_get("name")?,
                admitted: count(g.try_get("admitted")?),
                exits: count(g.try_get("exits")?),
                refused: count(g.try_get("refused")?),
                rate: watch::per_minute(count(g.try_get("recent")?)),
                devices: Vec::new(),
                silent: false,
            });
        }
        for d in crate::devices::list(db, event, now).await? {
            if d.state != crate::devices::DeviceState::Paired {
                continue;
            }
            if let Some(g) = gates.iter_mut().find(|g| g.gate == d.gate.0) {
                let last = d.last_seen_at;
                g.devices.push(DeviceBoard {
                    device: d.device.0,
                    name: d.name,
                    last_contact: last,
                    silent: watch::silent(last.map(UnixMillis), UnixMillis(now)),
                    pending: d.pending,
                });
            }
        }
        for g in &mut gates {
            g.silent = !g.devices.is_empty() && g.devices.iter().all(|d| d.silent);
        }

        let per_minute = per_minute(db, event, now).await?;
        let mut refusals = Vec::new();
        for r in sqlx::query(
            "SELECT gate_id, result, COUNT(*) AS n FROM checkins WHERE event_id = $1 AND result <> $2 \
             GROUP BY gate_id, result ORDER BY n DESC, gate_id, result",
        )
        .bind(ev)
        .bind(ScanResult::Admitted.slug())
        .fetch_all(&db.pool)
        .await?
        {
            refusals.push(Refusals {
                gate: r.try_get::<i64, _>("gate_id")? as u8,
                reason: r.try_get("result")?,
                count: count(r.try_get("n")?),
            });
        }
        let outcomes = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND outcome = $2) AS conflicts, \
             (SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND outcome = $3) AS doubted",
        )
        .bind(ev)
        .bind(SyncOutcome::CONFLICT)
        .bind(SyncOutcome::DOUBTED)
        .fetch_one(&db.pool)
        .await?;
        let no_shows = if watch::no_shows_due(starts_at, UnixMillis(now)) {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM tickets t JOIN presence p ON p.event_id = t.event_id AND p.ticket_id = t.ticket_id \
                 WHERE t.event_id = $1 AND t.issued = 1 AND t.status = 'active' AND p.first_at IS NULL",
            )
            .bind(ev)
            .fetch_one(&db.pool)
            .await?
            .try_get("n")?;
            Some(count(n))
        } else {
            None
        };
        let mut conflicts = crate::checkins::conflicts(db, event).await?;
        conflicts.truncate(20);
        Ok(Board {
            event: event.0,
            name: head.try_get("name")?,
            time_zone: head.try_get("time_zone")?,
            starts_at,
            ends_at: head.try_get::<i64, _>("ends_secs")? as u32,
            now,
            seq: count(head.try_get("last_seq")?),
            checked_in: count(head.try_get("checked_in")?),
            total: count(head.try_get("total")?),
            inside,
            capacity,
            capacity_step: watch::capacity_step(inside, capacity),
            gates,
            per_minute,
            refusals,
            alerts: crate::checkins::alerts(db, event, 20).await?,
            conflicts,
            conflict_count: count(outcomes.try_get("conflicts")?),
            doubted: count(outcomes.try_get("doubted")?),
            no_shows,
        })
    }

    /// The board as `role` may see it: attendees' names as initials below managers.
    pub fn for_role(&self, role: OrgRole) -> Board {
        let mut b = self.clone();
        for c in &mut b.conflicts {
            c.holder = watch::shown_name(role, &c.holder);
        }
        b
    }

    pub fn gate_name(&self, gate: u8) -> &str {
        self.gates.iter().find(|g| g.gate == gate).map(|g| g.name.as_str()).unwrap_or("?")
    }
}

/// Admissions per minute, every minute from the first one (at most [`CHART_MINUTES`] back) to now.
async fn per_minute(db: &Db, event: EventId, now: u64) -> Result<Vec<(u64, u64)>> {
    let this_minute = now / 60_000 * 60_000;
    let earliest = this_minute.saturating_sub((CHART_MINUTES - 1) * 60_000);
    let rows = sqlx::query(
        "SELECT (at / 60000) * 60000 AS minute, COUNT(*) AS n FROM checkins WHERE event_id = $1 AND outcome = $2 \
         AND movement = $3 AND at >= $4 AND at < $5 GROUP BY (at / 60000) * 60000 ORDER BY minute",
    )
    .bind(event_key(event))
    .bind(SyncOutcome::ACCEPTED)
    .bind(Movement::Entry.slug())
    .bind(earliest as i64)
    .bind(this_minute as i64 + 60_000)
    .fetch_all(&db.pool)
    .await?;
    let counts: HashMap<u64, u64> =
        rows.iter().map(|r| Ok((count(r.try_get("minute")?), count(r.try_get("n")?)))).collect::<Result<_>>()?;
    let Some(first) = counts.keys().min().copied() else {
        return Ok(Vec::new());
    };
    Ok((first..=this_minute).step_by(60_000).map(|m| (m, counts.get(&m).copied().unwrap_or(0))).collect())
}

/// One row of the per-gate, per-hour summary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HourRow {
    /// The hour's start, Unix ms (UTC hours; the report shows them in the event's time zone).
    pub hour: u64,
    pub gate: u8,
    pub admitted: u64,
    pub exits: u64,
    pub refused: u64,
}

/// Scans per gate and hour (by scan time), in hour then gate order.
pub async fn hours(db: &Db, event: EventId) -> Result<Vec<HourRow>> {
    let rows = sqlx::query(
        "SELECT (at / 3600000) * 3600000 AS hour, gate_id, \
         SUM(CASE WHEN outcome = $2 AND movement = $3 THEN 1 ELSE 0 END) AS admitted, \
         SUM(CASE WHEN outcome = $2 AND movement = $4 THEN 1 ELSE 0 END) AS exits, \
         SUM(CASE WHEN result <> $5 THEN 1 ELSE 0 END) AS refused \
         FROM checkins WHERE event_id = $1 GROUP BY (at / 3600000) * 3600000, gate_id ORDER BY hour, gate_id",
    )
    .bind(event_key(event))
    .bind(SyncOutcome::ACCEPTED)
    .bind(Movement::Entry.slug())
    .bind(Movement::Exit.slug())
    .bind(ScanResult::Admitted.slug())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HourRow {
                hour: count(r.try_get("hour")?),
                gate: r.try_get::<i64, _>("gate_id")? as u8,
                admitted: count(r.try_get("admitted")?),
                exits: count(r.try_get("exits")?),
                refused: count(r.try_get("refused")?),
            })
        })
        .collect()
}

/// A ticket not checked in (for managers: it has the holder's contact).
#[derive(Debug, Clone, Serialize)]
pub struct NoShow {
    pub ticket: u32,
    pub holder: String,
    pub ticket_type: String,
    pub email: String,
    pub phone: String,
}

/// Issued, valid tickets with no entry, by ticket number.
pub async fn no_shows(db: &Db, event: EventId) -> Result<Vec<NoShow>> {
    let rows = sqlx::query(
        "SELECT t.ticket_id, t.holder, tt.name AS type_name, t.email, t.phone FROM tickets t \
         JOIN ticket_types tt ON tt.event_id = t.event_id AND tt.type_id = t.type_id \
         JOIN presence p ON p.event_id = t.event_id AND p.ticket_id = t.ticket_id \
         WHERE t.event_id = $1 AND t.issued = 1 AND t.status = 'active' AND p.first_at IS NULL ORDER BY t.ticket_id",
    )
    .bind(event_key(event))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NoShow {
                ticket: r.try_get::<i64, _>("ticket_id")? as u32,
                holder: r.try_get("holder")?,
                ticket_type: r.try_get("type_name")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
            })
        })
        .collect()
}

/// After a stored scan: raises the alerts it may have caused (the capacity step an accepted
/// entry reached; a forgery spike at its gate), each once (`alerts.once`, unique per event, so
/// two instances crossing a threshold together store one). `true` when an alert was raised.
pub async fn watch(
    db: &Db,
    event: EventId,
    gate: GateId,
    result: ScanResult,
    accepted_entry: bool,
    at: u64,
    now: u64,
) -> Result<bool> {
    let ev = event_key(event);
    let mut raised = false;
    if accepted_entry {
        let row = sqlx::query(
            "SELECT COALESCE(capacity, (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.issued = 1)) AS capacity, \
             (SELECT COUNT(*) FROM presence p WHERE p.event_id = e.id AND p.inside_at IS NOT NULL) AS inside \
             FROM events e WHERE e.id = $1",
        )
        .bind(ev)
        .fetch_one(&db.pool)
        .await?;
        let (inside, capacity) = (count(row.try_get("inside")?), count(row.try_get("capacity")?));
        if let Some(step) = watch::capacity_step(inside, capacity) {
            let kind = format!("capacity_{step}");
            let facts = watch::alert_facts(&[("inside", &inside.to_string()), ("capacity", &capacity.to_string())]);
            raised |= raise(db, event, None, &kind, &watch::capacity_once(step), &facts, now).await?;
        }
    }
    if result == ScanResult::Refused(RefusalKind::Forged) {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM checkins WHERE event_id = $1 AND gate_id = $2 AND result = $3 AND at > $4 AND at <= $5",
        )
        .bind(ev)
        .bind(i64::from(gate.0))
        .bind(RefusalKind::Forged.slug())
        .bind(at.saturating_sub(watch::FORGERY_WINDOW_MS) as i64)
        .bind(at as i64)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
        if watch::forgery_spike(count(n)) {
            let minutes = (watch::FORGERY_WINDOW_MS / 60_000).to_string();
            let facts =
                watch::alert_facts(&[("n", &n.to_string()), ("gate", &gate.0.to_string()), ("minutes", &minutes)]);
            let once = watch::forgery_once(gate, UnixMillis(at));
            raised |= raise(db, event, Some(gate), "forgery_spike", &once, &facts, now).await?;
        }
    }
    Ok(raised)
}

async fn raise(
    db: &Db,
    event: EventId,
    gate: Option<GateId>,
    kind: &str,
    once: &str,
    facts: &str,
    now: u64,
) -> Result<bool> {
    // The English sentence is kept beside the facts (the API's answers, the audit's reader).
    let detail = watch::alert_detail(ingia_core::Lang::En, kind, facts).unwrap_or_default();
    // The alert and its mail (when the event has an address for alerts) in one transaction:
    // both or neither, and only the instance that stored the alert queues the mail.
    let mut tx = db.pool.begin().await?;
    let stored = sqlx::query(
        "INSERT INTO alerts (event_id, at, kind, detail, once, gate_id, facts) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (event_id, once) DO NOTHING",
    )
    .bind(event_key(event))
    .bind(now as i64)
    .bind(kind)
    .bind(&detail)
    .bind(once)
    .bind(gate.map(|g| i64::from(g.0)))
    .bind(facts)
    .execute(&mut *tx)
    .await?;
    let raised = stored.rows_affected() == 1;
    if raised {
        sqlx::query(
            "INSERT INTO alert_mails (event_id, once, email, kind, detail, state, attempts, next_at, created_at, facts) \
             SELECT id, $2, alert_email, $3, $4, 'queued', 0, $5, $5, $6 FROM events WHERE id = $1 AND alert_email IS NOT NULL \
             ON CONFLICT (event_id, once) DO NOTHING",
        )
        .bind(event_key(event))
        .bind(once)
        .bind(kind)
        .bind(&detail)
        .bind(now as i64)
        .bind(facts)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(raised)
}

/// The boards of each event, read once per wake and shared by every dashboard that asks after
/// the same ring (a board is at most [`FRESH_FOR`] old when reused).
#[derive(Debug, Default, Clone)]
pub struct Cache {
    boards: Arc<Mutex<HashMap<EventId, BoardSlot>>>,
}

/// An event's last board: the ring it was read after, when, and the board.
type BoardSlot = Arc<tokio::sync::Mutex<Option<(u64, Instant, Arc<Board>)>>>;

pub const FRESH_FOR: Duration = Duration::from_millis(900);

impl Cache {
    /// The event's board after ring `ring` (the hub's count of wakes so far).
    pub async fn get(&self, db: &Db, event: EventId, ring: u64, now: u64) -> Result<Arc<Board>> {
        let slot = self.boards.lock().unwrap_or_else(|p| p.into_inner()).entry(event).or_default().clone();
        let mut last = slot.lock().await;
        if let Some((r, at, b)) = last.as_ref() {
            if *r == ring && at.elapsed() < FRESH_FOR {
                return Ok(b.clone());
            }
        }
        let board = Arc::new(Board::read(db, event, now).await?);
        *last = Some((ring, Instant::now(), board.clone()));
        Ok(board)
    }
}
