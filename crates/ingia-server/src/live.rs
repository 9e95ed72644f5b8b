//! The live stream: one Server-Sent Events stream per gate (`GET /api/live`), carrying the
//! admissions the event accepts, in sequence order, and the manifest revision when it moves.
//!
//! Streams do not carry what woke them: a wake (`Hub::wake`, from whoever advanced an event's
//! sequence or revision) only makes each stream of that event read again *from its own cursor*
//! (`checkins::admissions_since`), the same read a pull does. So a missed or doubled wake loses
//! and repeats nothing, a reconnect with `Last-Event-ID` resumes exactly, and several server
//! instances on one PostgreSQL need only a doorbell between them: `NOTIFY ingia_live` with the
//! event id, heard by each instance's `LISTEN` connection ([`listen`]), which wakes every stream
//! after it reconnects (notifications sent while it was away are lost, the rows are not).
//! A stream also reads every [`IDLE_CHECK`] with no wake at all (the same catch-up), keeps the
//! device's last contact, and ends when the device is revoked (at once when revoked through this
//! process, within [`CONTACT_EVERY`] through another). The streams of one event at one cursor
//! share one database read per ring (`Cursor::news`), so a wake costs one read per event, not
//! one per stream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use ingia_core::live::{LiveMessage, PhoneArrival, MAX_ENTRIES, MAX_PHONE, PHONE_WINDOW_MS};
use ingia_core::{DeviceId, EventId, GateId, LedgerEntry, UnixMillis};
use sqlx::Row;
use tokio::sync::broadcast;

use crate::db::{event_key, Backend, Db};
use crate::error::Result;
use crate::util::now_ms;

/// The wake that means "every event" (after the `LISTEN` connection came back).
const ALL: u64 = u64::MAX;
/// Re-read with no wake this often (a lost notification costs at most this much).
pub const IDLE_CHECK: Duration = Duration::from_secs(10);
/// A comment line this often keeps proxies and the phone's radio from closing the stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
const CHANNEL: &str = "ingia_live";

/// This process's doorbell: a broadcast of event ids, the number of rings so far, and the last
/// read of each event's news, shared by its streams.
#[derive(Clone, Debug)]
pub struct Hub {
    bell: broadcast::Sender<u64>,
    rings: Arc<AtomicU64>,
    /// Per event, its last read; locked while a stream reads, so the streams a ring wakes
    /// together wait for one read instead of each making its own.
    reads: Arc<Mutex<HashMap<EventId, Slot>>>,
    /// Devices revoked through this process: their streams end at the next wake.
    revoked: Arc<Mutex<std::collections::HashSet<DeviceId>>>,
    /// The organizers' dashboards' boards, one read per event and ring (`crate::dashboard`).
    pub boards: crate::dashboard::Cache,
}

/// What one stream read from the database: valid for every stream at the same cursor that
/// reads after the same ring (a commit rung later rings again, so its streams read again).
#[derive(Clone, Debug)]
struct Read {
    since: u64,
    ring: u64,
    revision: u64,
    entries: Vec<LedgerEntry>,
    seq: u64,
    /// The event's admissions by SMS or USSD in the last `PHONE_WINDOW_MS`, newest first, with
    /// the gate each belongs to (each stream sends its own gate's).
    phone: Arc<Vec<(GateId, PhoneArrival)>>,
    /// Reused for [`SHARED_FOR`] at most: a stream's idle check (a wake may have been lost)
    /// reads afresh.
    at: std::time::Instant,
}

/// An event's last read, behind the lock its streams take to read.
type Slot = Arc<tokio::sync::Mutex<Option<Read>>>;

const SHARED_FOR: Duration = Duration::from_secs(1);

impl Default for Hub {
    fn default() -> Self {
        Hub {
            bell: broadcast::channel(1024).0,
            rings: Default::default(),
            reads: Default::default(),
            revoked: Default::default(),
            boards: Default::default(),
        }
    }
}

impl Hub {
    fn ring(&self, event: u64) {
        // Counted before it is sent: a stream woken by this ring reads under its number.
        self.rings.fetch_add(1, Ordering::SeqCst);
        // No stream open is not an error.
        let _ = self.bell.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.bell.subscribe()
    }

    /// Live streams open in this process (gates' and dashboards').
    pub fn streams(&self) -> usize {
        self.bell.receiver_count()
    }

    /// The rings so far (a read made after ring N is current until ring N + 1).
    pub fn rings(&self) -> u64 {
        self.rings.load(Ordering::SeqCst)
    }

    /// Waits for a wake of `event` (or of every event) on `wakes`, at most `idle`; `false` when
    /// the hub is gone.
    pub async fn wait(wakes: &mut broadcast::Receiver<u64>, event: EventId, idle: Duration) -> bool {
        let sleep = tokio::time::sleep(idle);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                got = wakes.recv() => match got {
                    Ok(e) if e == event.0 || e == ALL => return true,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                },
                _ = &mut sleep => return true,
            }
        }
    }

    /// A device revoked here (the organizer's action rings its event next).
    pub fn revoked(&self, device: DeviceId) {
        self.revoked.lock().unwrap_or_else(|p| p.into_inner()).insert(device);
    }

    fn is_revoked(&self, device: DeviceId) -> bool {
        self.revoked.lock().unwrap_or_else(|p| p.into_inner()).contains(&device)
    }

    fn slot(&self, event: EventId) -> Slot {
        self.reads.lock().unwrap_or_else(|p| p.into_inner()).entry(event).or_default().clone()
    }
}

impl Db {
    /// Wakes the streams of `event` in this process and, on PostgreSQL, in every instance
    /// (call after the commit that moved the event's sequence or revision). Never fails the
    /// caller: the streams' idle check catches up on a lost wake.
    pub async fn wake(&self, event: EventId) {
        self.live.ring(event.0);
        if self.backend == Backend::Postgres {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(event.0.to_string())
                .execute(&self.pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "NOTIFY failed; other instances' streams catch up at their idle check");
            }
        }
    }
}

/// On PostgreSQL, forwards other instances' wakes to this one's streams, for as long as the
/// process runs (reconnecting with a pause when the database is away). A no-op on SQLite.
pub fn listen(db: &Db) {
    if db.backend != Backend::Postgres {
        return;
    }
    let (url, hub) = (db.url().to_string(), db.live.clone());
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(CHANNEL).await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    } else {
                        hub.ring(ALL);
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(n)) => match n.payload().parse::<u64>() {
                                    Ok(event) => hub.ring(event),
                                    Err(_) => tracing::warn!("a live wake that is not an event id"),
                                },
                                // The connection dropped: it reconnects on the next call, and
                                // whatever was sent meanwhile is caught up by a read from each
                                // stream's cursor.
                                Ok(None) => {
                                    if listener.listen(CHANNEL).await.is_ok() {
                                        hub.ring(ALL);
                                    }
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "LISTEN connection lost");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot open the LISTEN connection"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
}

/// Where one stream is.
struct Cursor {
    db: Db,
    device: DeviceId,
    event: EventId,
    gate: GateId,
    seq: u64,
    revision: Option<u64>,
    /// The phone arrivals this stream sent last (none yet: an empty list is not sent).
    phone: Vec<PhoneArrival>,
    wakes: broadcast::Receiver<u64>,
    queued: std::collections::VecDeque<LiveMessage>,
    first: bool,
    done: bool,
    /// When the device's standing was last read from the database.
    checked: Option<std::time::Instant>,
}

/// A stream reads its device's standing (and keeps its last contact) at most this often; a
/// revocation in this process ends it at once, one in another instance within this.
const CONTACT_EVERY: Duration = Duration::from_secs(5);

impl Cursor {
    /// Waits for a wake of this event (or the idle check); `false` when the hub is gone.
    async fn wait(&mut self) -> bool {
        Hub::wait(&mut self.wakes, self.event, IDLE_CHECK).await
    }

    /// The event's revision and the admissions after `since`: one database read per event,
    /// cursor and ring, shared by every stream in this process that needs the same.
    async fn news(&self, since: u64) -> Result<Read> {
        let hub = &self.db.live;
        let slot = hub.slot(self.event);
        let mut last = slot.lock().await;
        let ring = hub.rings.load(Ordering::SeqCst);
        if let Some(read) = last.as_ref().filter(|r| r.since == since && r.ring == ring && r.at.elapsed() < SHARED_FOR)
        {
            return Ok(read.clone());
        }
        let revision: i64 = sqlx::query("SELECT revision FROM events WHERE id = $1")
            .bind(event_key(self.event))
            .fetch_one(&self.db.pool)
            .await?
            .try_get("revision")?;
        let (entries, seq) = crate::checkins::admissions_since(&self.db, self.event, since, MAX_ENTRIES as u32).await?;
        let phone = Arc::new(phone_arrivals(&self.db, self.event, now_ms()).await?);
        let read = Read { since, ring, revision: revision as u64, entries, seq, phone, at: std::time::Instant::now() };
        *last = Some(read.clone());
        Ok(read)
    }

    /// Reads what is new since the cursor into `queued`.
    async fn read(&mut self) -> Result<()> {
        if self.db.live.is_revoked(self.device) {
            return Err(crate::Error::Revoked);
        }
        if self.checked.is_none_or(|at| at.elapsed() >= CONTACT_EVERY) {
            crate::devices::still_in_contact(&self.db, self.device).await?;
            self.checked = Some(std::time::Instant::now());
        }
        let mut phone = None;
        loop {
            let Read { revision, entries, seq, phone: arrivals, .. } = self.news(self.seq).await?;
            phone.get_or_insert(arrivals);
            if self.revision != Some(revision) {
                self.revision = Some(revision);
                self.queued.push_back(LiveMessage::Revision(revision));
            }
            if seq <= self.seq {
                break;
            }
            let full = entries.len() == MAX_ENTRIES;
            let after = std::mem::replace(&mut self.seq, seq);
            self.queued.push_back(LiveMessage::Admissions { after, seq, server_time: UnixMillis(now_ms()), entries });
            if !full {
                break;
            }
        }
        // After the admissions (a gate learns the admission, then who to wave through).
        let mine: Vec<PhoneArrival> = phone
            .iter()
            .flat_map(|p| p.iter())
            .filter(|(gate, _)| *gate == self.gate)
            .map(|(_, a)| a.clone())
            .take(MAX_PHONE)
            .collect();
        if mine != self.phone {
            self.phone = mine.clone();
            self.queued.push_back(LiveMessage::Phone(mine));
        }
        Ok(())
    }

    async fn next(&mut self) -> Option<LiveMessage> {
        loop {
            if let Some(m) = self.queued.pop_front() {
                return Some(m);
            }
            if self.done || (!std::mem::replace(&mut self.first, false) && !self.wait().await) {
                return None;
            }
            if let Err(e) = self.read().await {
                // Revoked, or the database away: the stream ends; the phone reconnects or
                // learns of its revocation on its next request.
                if !matches!(e, crate::Error::Revoked) {
                    tracing::warn!(error = %e, "live stream ended");
                }
                self.done = true;
            }
        }
    }
}

/// The SSE response for a device whose ledger is at `since`.
pub fn stream(
    db: Db,
    device: DeviceId,
    event: EventId,
    gate: GateId,
    since: u64,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let cursor = Cursor {
        wakes: db.live.subscribe(),
        db,
        device,
        event,
        gate,
        seq: since,
        revision: None,
        phone: Vec::new(),
        queued: Default::default(),
        first: true,
        done: false,
        checked: None,
    };
    let messages = futures_util::stream::unfold(cursor, |mut c| async move {
        let m = c.next().await?;
        let mut ev = Event::default().event(m.name()).data(m.data());
        if let Some(id) = m.id() {
            ev = ev.id(id.to_string());
        }
        Some((Ok(ev), c))
    });
    Sse::new(messages).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// The event's accepted admissions by its SMS and USSD channel in the last `PHONE_WINDOW_MS`
/// before `now`, newest first: per gate, at most `MAX_PHONE` (the gate code from the stored
/// proof, the holder's short name, both as `ingia_core::sms` makes them).
async fn phone_arrivals(db: &Db, event: EventId, now: u64) -> Result<Vec<(GateId, PhoneArrival)>> {
    let rows = sqlx::query(
        "SELECT c.ticket_id, c.gate_id, c.at, c.proof, t.holder FROM checkins c \
         JOIN devices d ON d.id = c.device_id \
         JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id \
         WHERE c.event_id = $1 AND c.at >= $2 AND d.channel = 'sms' AND c.outcome = 'accepted' \
         ORDER BY c.at DESC LIMIT 500",
    )
    .bind(event_key(event))
    .bind(now.saturating_sub(PHONE_WINDOW_MS) as i64)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<(GateId, PhoneArrival)> = Vec::new();
    for row in rows {
        let gate = GateId(row.try_get::<i64, _>("gate_id")? as u8);
        if out.iter().filter(|(g, _)| *g == gate).count() >= MAX_PHONE {
            continue;
        }
        let proof = row.try_get::<Option<Vec<u8>>, _>("proof")?.unwrap_or_default();
        let Some(code) = ingia_core::Proof::from_bytes(&proof).ok().as_ref().and_then(ingia_core::sms::gate_code)
        else {
            continue;
        };
        let ticket = ingia_core::TicketId(row.try_get::<i64, _>("ticket_id")? as u32);
        let name = ingia_core::sms::short_name(&row.try_get::<String, _>("holder")?);
        out.push((gate, PhoneArrival { ticket, at: UnixMillis(row.try_get::<i64, _>("at")? as u64), code, name }));
    }
    Ok(out)
}
