//! The gate: decide a scan offline (core `validate`), write the record before the verdict shows,
//! and drive the core's sans-IO `SyncSession` over HTTP (push the outbox, pull manifest and
//! admission deltas, learn the clock offset), every body in the core's binary encodings
//! (`ingia_core::exchange`, the manifest's). Browser code only: every rule is in `ingia-core`.
//! Invariant: a verdict is shown only after its record is in IndexedDB; a record leaves the
//! outbox only when the server has answered for it.

use std::cell::RefCell;
use std::rc::Rc;

use ingia_core::conflict::ItemResult;
use ingia_core::live::{LiveMessage, SseParser};
use ingia_core::sync::{Conflict, Reply, SyncConfig, SyncEvent, SyncSession, Transmit};
use ingia_core::{
    decide_scan, exchange, words, CheckIn, GateId, LedgerEntry, Manifest, ManifestDelta, Movement, NameIndex,
    Presented, Role, Scan, Stamp, Standing, TicketId, TicketStatus, UnixMillis, Verdict,
};

use super::{lang, w};
use crate::io::clock::{self, now_ms};
use crate::io::net::{self, NetError};

/// The app's build (scripts/build_pwa.sh names it from its sources).
const BUILD: &str = match option_env!("INGIA_BUILD") {
    Some(b) => b,
    None => "dev",
};
use crate::io::store::{Cursors, Pairing, Store, StoreError};

/// What the verdict screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub verdict: Verdict,
    pub holder: Option<String>,
    pub ticket_type: Option<String>,
}

/// The stats bar's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateStats {
    pub checked_in: usize,
    pub total: usize,
    pub this_gate: usize,
}

/// A ticket found by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub ticket: u32,
    pub holder: String,
    pub ticket_type: String,
    pub status: TicketStatus,
    pub first_entry: Option<Stamp>,
    /// For a supervisor's admission after an ID check (recorded as a PIN check-in).
    pub pin: String,
}

/// One conflict, for the supervisor's list.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictView {
    pub ticket: TicketId,
    /// Where the manifest holds names (a supervisor's): the same before and after a reload.
    pub holder: Option<String>,
    pub winner: Stamp,
    pub mine_at: UnixMillis,
}

pub struct Gate {
    pub store: Rc<Store>,
    /// The server said this device is revoked: its data goes at once.
    revoked: std::cell::Cell<bool>,
    /// The server said this device scans at another gate now (the organizer moved it).
    moved_to: std::cell::Cell<Option<GateId>>,
    /// Idle minutes before the gate screen locks (0: never), as stored.
    pub lock_minutes: std::cell::Cell<u8>,
    /// Who scans here: named on every record this device makes (the audit's actor).
    staff: RefCell<String>,
    pub pairing: Pairing,
    state: RefCell<State>,
}

struct State {
    manifest: Manifest,
    session: SyncSession,
    /// Holder names for search, lower-cased by the browser; rebuilt when the manifest changes.
    names: Option<NameIndex>,
    /// Names of the holders whose sealed entries a scan opened, for the lists; in memory only,
    /// never stored (docs/security.md).
    seen: std::collections::BTreeMap<TicketId, String>,
}

impl State {
    /// The holder's name where this device knows it (a clear entry, or one a scan opened this
    /// session), else the ticket's number.
    fn holder(&self, ticket: TicketId) -> String {
        self.clear_holder(ticket)
            .or_else(|| self.seen.get(&ticket).cloned())
            .unwrap_or_else(|| words::unnamed_holder(lang(), ticket))
    }

    /// The name a clear entry holds.
    fn clear_holder(&self, ticket: TicketId) -> Option<String> {
        self.manifest.ticket(ticket).map(|e| e.holder.clone()).filter(|h| !h.is_empty())
    }
}

/// The sync session's tuning, which the fetch deadline follows too.
fn config() -> SyncConfig {
    SyncConfig::default()
}

/// Lower-casing by the browser's `toLowerCase` (Unicode-aware, no case tables in this module).
fn fold(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

/// Counts for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncCounts {
    pub pending: usize,
    pub synced: u64,
    pub conflicts: usize,
}

impl Gate {
    /// Restores the session from storage: the outbox, the ledger and the conflicts survive reloads.
    pub async fn open(
        store: Rc<Store>,
        pairing: Pairing,
        manifest: Manifest,
        cursors: Cursors,
    ) -> Result<Gate, String> {
        // Spreads retries (fifty phones back online do not retry in step); not a secret, but the
        // browser's CSPRNG is the one random source here.
        let seed = u64::from_le_bytes(clock::random::<8>().map_err(|_| w().no_randomness.to_string())?);
        let mut session = SyncSession::new(pairing.device, config(), cursors.revision, cursors.seq, seed);
        session.restore_contact(UnixMillis(cursors.synced_at));
        let text = |e: StoreError| super::stored(&e);
        session.merge_ledger(store.ledger().await.map_err(text)?);
        session.restore_conflicts(store.conflicts().await.map_err(text)?);
        for record in store.outbox().await.map_err(text)? {
            session.enqueue(record);
        }
        session.restore_sent(store.epoch().await.map_err(text)?, store.sent().await.map_err(text)?);
        let staff = store.staff_name().await.map_err(text)?.unwrap_or_else(|| pairing.role.slug().to_string());
        let lock_minutes = store.lock_minutes().await.map_err(text)?;
        Ok(Gate {
            revoked: std::cell::Cell::new(false),
            moved_to: std::cell::Cell::new(None),
            lock_minutes: std::cell::Cell::new(lock_minutes),
            staff: RefCell::new(staff),
            store,
            pairing,
            state: RefCell::new(State { manifest, session, names: None, seen: Default::default() }),
        })
    }

    pub fn counts(&self) -> SyncCounts {
        let s = self.state.borrow();
        SyncCounts { pending: s.session.pending(), synced: s.session.synced(), conflicts: s.session.conflicts().len() }
    }

    /// Device time of the last answer from the server: what "data as of" shows.
    pub fn last_contact(&self) -> Option<UnixMillis> {
        self.state.borrow().session.last_contact()
    }

    /// A sync request's deadline: the session's own (a request with no answer by then has failed).
    fn deadline(&self) -> net::Deadline {
        Some(config().request_timeout_ms.min(u64::from(u32::MAX)) as u32)
    }

    /// When the sync session next needs the engine (the one timer's due time, device ms).
    pub fn next_timeout(&self) -> Option<UnixMillis> {
        self.state.borrow().session.poll_timeout()
    }

    pub fn gate_name(&self, gate: GateId) -> String {
        self.state
            .borrow()
            .manifest
            .gate(gate)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| words::unnamed_gate(lang(), gate))
    }

    /// Decides a scan, stores its record, and only then returns the verdict to show.
    pub async fn check(
        &self,
        presented: Presented<'_>,
        movement: Movement,
        staff: &str,
        device_now: u64,
    ) -> Result<Checked, StoreError> {
        let (verdict, now, event, holder, ticket_type, pin_digits) = {
            let s = &mut *self.state.borrow_mut();
            let now = s.session.server_now(UnixMillis(device_now));
            let scan = Scan { presented, movement };
            let (verdict, entry) = decide_scan(&scan, &s.manifest, s.session.ledger(), self.pairing.gate, now);
            let holder = entry.as_ref().map(|e| e.holder.clone());
            let ticket_type = entry.and_then(|e| s.manifest.ticket_type(e.ticket_type)).map(|t| t.name.clone());
            if let (Some(t), Some(h)) = (verdict.ticket(), &holder) {
                s.seen.insert(t, h.clone());
            }
            (verdict, now, s.manifest.event.id, holder, ticket_type, s.manifest.event.pin_digits)
        };
        let gate = self.pairing.gate;
        let device = self.pairing.device;
        let record = self
            .store
            .record_scan(|scan_id| {
                let record = CheckIn::from_verdict(
                    device, scan_id, event, gate, staff, now, movement, &verdict, presented, pin_digits,
                );
                let entry = LedgerEntry::from_checkin(&record, Standing::Local);
                (record, entry)
            })
            .await?;
        self.state.borrow_mut().session.enqueue(record);
        Ok(Checked { verdict, holder, ticket_type })
    }

    /// The stats bar: tickets checked in (as this device knows it), of all tickets, and the
    /// admissions at this gate.
    pub fn stats(&self) -> GateStats {
        let s = self.state.borrow();
        let ledger = s.session.ledger();
        let this_gate = ledger
            .entries()
            .filter(|e| e.movement == Movement::Entry && e.standing != Standing::Rejected)
            .filter(|e| e.stamp.gate == self.pairing.gate)
            .count();
        GateStats { checked_in: ledger.admitted_tickets(), total: s.manifest.ticket_count(), this_gate }
    }

    /// Offline search by holder name, with each ticket's standing at the gates: a supervisor's
    /// desk only (a steward's phone and a kiosk hold no names).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Found> {
        if self.pairing.role != Role::Supervisor {
            return Vec::new();
        }
        {
            let s = &mut *self.state.borrow_mut();
            if s.names.as_ref().is_none_or(|n| n.revision != s.manifest.revision) {
                s.names = Some(NameIndex::new(&s.manifest, fold));
            }
        }
        let s = &*self.state.borrow();
        let Some(names) = &s.names else { return Vec::new() };
        names
            .search(&s.manifest, query, limit, fold)
            .into_iter()
            .map(|t| {
                let ticket_type = s.manifest.ticket_type(t.ticket_type);
                let reentry = ticket_type.is_some_and(|ty| ty.policy.reentry);
                Found {
                    ticket: t.id.0,
                    holder: t.holder.clone(),
                    ticket_type: ticket_type.map(|ty| ty.name.clone()).unwrap_or_default(),
                    status: t.status,
                    first_entry: s.session.ledger().presence(t.id, reentry).first_entry,
                    pin: t.pin.to_string(),
                }
            })
            .collect()
    }

    /// This device's recent scans, newest first, with the holder's name where known.
    pub async fn recent(&self, limit: usize) -> Result<Vec<(CheckIn, String)>, StoreError> {
        let records = self.store.recent(limit).await?;
        let s = self.state.borrow();
        Ok(records
            .into_iter()
            .map(|r| {
                let holder = r.ticket.map(|t| s.holder(t)).unwrap_or_default();
                (r, holder)
            })
            .collect())
    }

    /// Who checked in by SMS or USSD for this gate lately (the live stream's list), newest first.
    pub fn phone_arrivals(&self, now: u64) -> Vec<ingia_core::live::PhoneArrival> {
        self.state.borrow().session.phone_arrivals(UnixMillis(now)).cloned().collect()
    }

    /// Check-ins this device admitted offline that another gate had admitted first, with the
    /// winner's time, gate and device.
    pub fn conflicts(&self) -> Vec<ConflictView> {
        let s = &*self.state.borrow();
        s.session
            .conflicts()
            .iter()
            .map(|c| ConflictView {
                ticket: c.record.ticket.unwrap_or_default(),
                holder: c.record.ticket.and_then(|t| s.clear_holder(t)),
                winner: c.winner,
                mine_at: c.record.at,
            })
            .collect()
    }

    pub fn staff(&self) -> String {
        self.staff.borrow().clone()
    }

    /// Who scans from now on (the core's rule for a staff name), kept across reloads.
    pub async fn set_staff(&self, name: &str) -> Result<(), String> {
        let name = ingia_core::staff_name(name).map_err(|_| w().bad_staff_name.to_string())?;
        self.store.set_staff_name(name).await.map_err(|e| super::stored(&e))?;
        *self.staff.borrow_mut() = name.to_string();
        Ok(())
    }

    /// Network came back: retry at once.
    pub fn network_up(&self, device_now: u64) {
        self.state.borrow_mut().session.network_up(UnixMillis(device_now));
    }

    /// Sends whatever the session wants sent now, feeds the answers back, stores the results.
    /// The event's IANA time zone (the times the steward reads).
    pub fn time_zone(&self) -> String {
        self.state.borrow().manifest.event.time_zone.clone()
    }

    pub async fn sync(&self) -> Result<(), StoreError> {
        let now = now_ms;
        loop {
            let tx = self.state.borrow_mut().session.poll_transmit(UnixMillis(now()));
            let Some(tx) = tx else { break };
            let reply = match tx {
                Transmit::Push { id, records } => match self.push(&records).await {
                    Ok((server_time, results)) => Reply::Pushed { id, server_time, results },
                    Err(e) => self.failed(id, &e),
                },
                Transmit::Pull { id, revision, seq } => match self.pull(revision, seq).await {
                    Ok((server_time, revision, seq, admissions, epoch)) => {
                        Reply::Pulled { id, server_time, revision, seq, admissions, epoch }
                    }
                    Err(e) => self.failed(id, &e),
                },
            };
            if self.revoked.get() {
                return Ok(());
            }
            self.state.borrow_mut().session.handle_reply(UnixMillis(now()), reply);
            self.store_events(now()).await?;
        }
        Ok(())
    }

    /// Whether the event ended long enough ago that this device must delete it.
    pub fn expired(&self) -> bool {
        let s = self.state.borrow();
        s.manifest.event.expired(s.session.server_now(UnixMillis(now_ms())).0)
    }

    /// The gate the server says this device scans at now, when it is not the paired one.
    pub fn moved_to(&self) -> Option<GateId> {
        self.moved_to.get()
    }

    /// Whether the server has said this device is revoked (then nothing more is sent).
    pub fn is_revoked(&self) -> bool {
        self.revoked.get()
    }

    fn failed(&self, id: ingia_core::sync::RequestId, e: &NetError) -> Reply {
        self.note_revoked(e);
        Reply::Failed { id, retry_after_ms: retry_after(e) }
    }

    fn note_revoked(&self, e: &NetError) {
        if matches!(e, NetError::Server { code, .. } if code == "device_revoked") {
            self.revoked.set(true);
        }
    }

    /// Holds the live stream (`/api/live`) from the session's cursor until it ends or fails:
    /// another gate's admission is in this gate's ledger as soon as the server accepts it. Each
    /// message goes to the session, what it learned is stored, then `news` runs (it answers
    /// whether to go on: the gate may have closed meanwhile). Pulls slow down while it holds.
    pub async fn hold_live(&self, news: &dyn Fn() -> bool) -> Result<(), NetError> {
        let seq = self.state.borrow().session.cursors().1;
        let body = net::open_stream(&format!("/api/live?since={seq}"), &self.pairing.device_token)
            .await
            .inspect_err(|e| self.note_revoked(e))?;
        self.state.borrow_mut().session.live_up(UnixMillis(now_ms()));
        let mut parser = SseParser::new();
        let held = loop {
            let bytes = match body.chunk_within(LIVE_SILENCE_MS).await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            let Ok(events) = parser.feed(&bytes) else { break Err(NetError::BadAnswer) };
            self.state.borrow_mut().session.live_heard(UnixMillis(now_ms()));
            for ev in events {
                // A message this version does not know (a newer server) is skipped.
                if let Ok(Some(message)) = LiveMessage::parse(&ev.event, &ev.data) {
                    self.state.borrow_mut().session.handle_live(UnixMillis(now_ms()), message);
                }
            }
            if let Err(e) = self.store_events(now_ms()).await {
                web_sys::console::error_1(&format!("storing what the live stream brought: {e}").into());
            }
            if !news() {
                break Ok(());
            }
        };
        self.state.borrow_mut().session.live_down(UnixMillis(now_ms()));
        held
    }

    /// The pull cursors and the last contact, as the session holds them now.
    async fn store_cursors(&self, now: u64) -> Result<(), StoreError> {
        let cursors = {
            let s = self.state.borrow();
            let (revision, seq) = s.session.cursors();
            let synced_at = s.session.last_contact().map_or(now, |t| t.0);
            Cursors { revision: revision.max(s.manifest.revision), seq, synced_at }
        };
        self.store.set_cursors(cursors).await
    }

    async fn store_events(&self, now: u64) -> Result<(), StoreError> {
        loop {
            let event = self.state.borrow_mut().session.poll_event();
            match event {
                None => return Ok(()),
                Some(SyncEvent::Settled { record, outcome }) => {
                    let entry = LedgerEntry::from_checkin(&record, outcome.standing());
                    let conflict = Conflict::from_settled(&record, outcome);
                    self.store.settle(&[record.scan_id], entry.as_slice(), conflict.as_slice()).await?;
                }
                Some(SyncEvent::Learned(entry)) => self.store.put_ledger(&[entry]).await?,
                Some(SyncEvent::Cursor { .. }) | Some(SyncEvent::Contact { .. }) => self.store_cursors(now).await?,
                Some(SyncEvent::ClockOffset { .. }) => {}
                // Stored in this order: a crash between the two sends the records again, harmlessly.
                Some(SyncEvent::Epoch { epoch, resent }) => {
                    self.store.requeue(&resent).await?;
                    self.store.set_epoch(epoch).await?;
                }
            }
        }
    }

    async fn push(&self, records: &[CheckIn]) -> Result<(UnixMillis, Vec<ItemResult>), NetError> {
        let body = exchange::encode_checkins(records);
        let reply = net::post_bytes("/api/checkins", Some(&self.pairing.device_token), &body, self.deadline()).await?;
        exchange::decode_results(&reply).map_err(|_| NetError::BadAnswer)
    }

    #[allow(clippy::type_complexity)]
    async fn pull(
        &self,
        revision: u64,
        seq: u64,
    ) -> Result<(UnixMillis, u64, u64, Vec<LedgerEntry>, Option<u64>), NetError> {
        let token = self.pairing.device_token.clone();
        let reply =
            net::get_bytes(&format!("/api/manifest?since={revision}"), Some(&token), &|_, _| {}, self.deadline())
                .await?;
        let gate = reply.headers.get("x-ingia-gate").ok().flatten().and_then(|g| g.parse::<u8>().ok()).map(GateId);
        if gate.is_some_and(|g| g != self.pairing.gate) {
            self.moved_to.set(gate);
        }
        let delta = ManifestDelta::decode(&reply.body).map_err(|_| NetError::BadAnswer)?;
        if !delta.tickets.is_empty() || delta.revision != revision {
            let cursors = {
                let mut s = self.state.borrow_mut();
                s.manifest.apply(delta).map_err(|_| NetError::BadAnswer)?;
                let (rev, seq) = s.session.cursors();
                let synced_at = s.session.last_contact().map_or(0, |t| t.0);
                Cursors { revision: s.manifest.revision.max(rev), seq, synced_at }
            };
            // The delta is kept as it came; the whole manifest is written again only once the
            // deltas have grown big.
            if self.store.add_delta(&reply.body, cursors).await.map_err(|_| NetError::BadAnswer)? {
                let bytes = self.state.borrow().manifest.encode();
                self.store.set_manifest(&bytes, cursors).await.map_err(|_| NetError::BadAnswer)?;
            }
        }
        let new_revision = self.state.borrow().manifest.revision;
        // The device's own report for the organizer's list: records not yet synced, its build.
        let pending = self.state.borrow().session.pending();
        let path = format!("/api/admissions?since={seq}&pending={pending}&build={}", BUILD);
        let reply = net::get_bytes(&path, Some(&token), &|_, _| {}, self.deadline()).await?;
        let (server_time, next_seq, admissions) =
            exchange::decode_admissions(&reply.body).map_err(|_| NetError::BadAnswer)?;
        // The server's epoch: a new one means it was restored from a backup (`ingia_core::sync`).
        let epoch = reply.headers.get("x-ingia-epoch").ok().flatten().and_then(|e| e.parse::<u64>().ok());
        Ok((server_time, new_revision, next_seq, admissions, epoch))
    }
}

/// The server writes a keep-alive every 15 s: this long with nothing means the network died
/// without closing the connection.
const LIVE_SILENCE_MS: u32 = 40_000;

/// The server's `Retry-After`, where it gave one.
fn retry_after(e: &NetError) -> Option<u64> {
    match e {
        NetError::Server { retry_after_ms, .. } => *retry_after_ms,
        _ => None,
    }
}
