//! The gate: decide a scan offline (core `validate`), write the record before the verdict shows,
//! and drive the core's sans-IO `SyncSession` over HTTP (push the outbox, pull manifest and
//! admission deltas, learn the clock offset). Browser code only: every rule is in `ingia-core`.
//! Invariant: a verdict is shown only after its record is in IndexedDB; a record leaves the
//! outbox only when the server has answered for it.

use std::cell::RefCell;
use std::rc::Rc;

use ingia_core::conflict::{ItemResult, SyncOutcome};
use ingia_core::sync::{Conflict, Reply, SyncConfig, SyncEvent, SyncSession, Transmit};
use ingia_core::{
    validate, CheckIn, DeviceId, GateId, LedgerEntry, Manifest, ManifestDelta, Movement, NameIndex, Presented,
    RefusalKind, Scan, ScanId, ScanResult, Stamp, Standing, TicketId, TicketStatus, UnixMillis, Verdict,
};
use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::net::{self, field_f64, field_str, NetError};
use crate::store::{Cursors, Pairing, Store, StoreError};

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
    pub ticket: u32,
    pub holder: String,
    pub winner: Stamp,
    pub mine_at: UnixMillis,
}

pub struct Gate {
    pub store: Rc<Store>,
    /// Who scans here: named on every record this device makes (the audit's actor).
    staff: RefCell<String>,
    pub pairing: Pairing,
    state: RefCell<State>,
    /// Device time of the last successful pull: what "data as of" shows.
    synced_at: std::cell::Cell<u64>,
}

struct State {
    manifest: Manifest,
    session: SyncSession,
    /// Holder names for search, lower-cased by the browser; rebuilt when the manifest changes.
    names: Option<NameIndex>,
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
    ) -> Result<Gate, StoreError> {
        let seed = (js_sys::Math::random() * 9e15) as u64;
        let mut session = SyncSession::new(pairing.device, SyncConfig::default(), cursors.revision, cursors.seq, seed);
        session.merge_ledger(store.ledger().await?);
        session.restore_conflicts(store.conflicts().await?);
        for record in store.outbox().await? {
            session.enqueue(record);
        }
        let staff = store.staff_name().await?.unwrap_or_else(|| pairing.role.name().to_string());
        Ok(Gate {
            staff: RefCell::new(staff),
            store,
            pairing,
            state: RefCell::new(State { manifest, session, names: None }),
            synced_at: cursors.synced_at.into(),
        })
    }

    pub fn counts(&self) -> SyncCounts {
        let s = self.state.borrow();
        SyncCounts { pending: s.session.pending(), synced: s.session.synced(), conflicts: s.session.conflicts().len() }
    }

    /// Device time (ms) of the last successful pull of event data.
    pub fn synced_at(&self) -> u64 {
        self.synced_at.get()
    }

    pub fn ticket_count(&self) -> usize {
        self.state.borrow().manifest.ticket_count()
    }

    pub fn gate_name(&self, gate: GateId) -> String {
        self.state.borrow().manifest.gate(gate).map(|g| g.name.clone()).unwrap_or_else(|| format!("gate {gate}"))
    }

    /// Decides a scan, stores its record, and only then returns the verdict to show.
    pub async fn check(
        &self,
        presented: Presented<'_>,
        movement: Movement,
        staff: &str,
        device_now: u64,
    ) -> Result<Checked, StoreError> {
        let (verdict, now, event, holder, ticket_type) = {
            let s = self.state.borrow();
            let now = s.session.server_now(UnixMillis(device_now));
            let verdict =
                validate(&Scan { presented, movement }, &s.manifest, s.session.ledger(), self.pairing.gate, now);
            let entry = verdict.ticket().and_then(|t| s.manifest.ticket(t));
            let holder = entry.map(|e| e.holder.clone());
            let ticket_type = entry.and_then(|e| s.manifest.ticket_type(e.ticket_type)).map(|t| t.name.clone());
            (verdict, now, s.manifest.event.id, holder, ticket_type)
        };
        let gate = self.pairing.gate;
        let device = self.pairing.device;
        let record = self
            .store
            .record_scan(|scan_id| {
                let record = CheckIn::from_verdict(device, scan_id, event, gate, staff, now, movement, &verdict);
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

    /// Offline search by holder name, with each ticket's standing at the gates.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Found> {
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
                let holder = r.ticket.and_then(|t| s.manifest.ticket(t)).map(|e| e.holder.clone()).unwrap_or_default();
                (r, holder)
            })
            .collect())
    }

    /// Check-ins this device admitted offline that another gate had admitted first, with the
    /// winner's time, gate and device.
    pub fn conflicts(&self) -> Vec<ConflictView> {
        let s = &*self.state.borrow();
        s.session
            .conflicts()
            .iter()
            .map(|c| ConflictView {
                ticket: c.record.ticket.map_or(0, |t| t.0),
                holder: c
                    .record
                    .ticket
                    .and_then(|t| s.manifest.ticket(t))
                    .map(|e| e.holder.clone())
                    .unwrap_or_default(),
                winner: c.winner,
                mine_at: c.record.at,
            })
            .collect()
    }

    pub fn staff(&self) -> String {
        self.staff.borrow().clone()
    }

    /// Who scans from now on (1 to 40 printable characters), kept across reloads.
    pub async fn set_staff(&self, name: &str) -> Result<(), String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err("A name is 1 to 40 letters, digits or spaces.".into());
        }
        self.store.set_staff_name(name).await.map_err(|e| e.to_string())?;
        *self.staff.borrow_mut() = name.to_string();
        Ok(())
    }

    /// Network came back: retry at once.
    pub fn network_up(&self, device_now: u64) {
        self.state.borrow_mut().session.network_up(UnixMillis(device_now));
    }

    /// Sends whatever the session wants sent now, feeds the answers back, stores the results.
    pub async fn sync(&self, now: &dyn Fn() -> u64) -> Result<(), StoreError> {
        loop {
            let tx = self.state.borrow_mut().session.poll_transmit(UnixMillis(now()));
            let Some(tx) = tx else { break };
            let reply = match tx {
                Transmit::Push { id, records } => match self.push(&records).await {
                    Ok((server_time, results)) => Reply::Pushed { id, server_time, results },
                    Err(e) => Reply::Failed { id, retry_after_ms: retry_after(&e) },
                },
                Transmit::Pull { id, revision, seq } => match self.pull(revision, seq).await {
                    Ok((server_time, revision, seq, admissions)) => {
                        Reply::Pulled { id, server_time, revision, seq, admissions }
                    }
                    Err(e) => Reply::Failed { id, retry_after_ms: retry_after(&e) },
                },
            };
            self.state.borrow_mut().session.handle_reply(UnixMillis(now()), reply);
            self.store_events(now()).await?;
        }
        Ok(())
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
                Some(SyncEvent::Cursor { revision, seq }) => {
                    self.store.set_cursors(Cursors { revision, seq, synced_at: now }).await?
                }
                Some(SyncEvent::ClockOffset { .. }) => {}
            }
        }
    }

    async fn push(&self, records: &[CheckIn]) -> Result<(UnixMillis, Vec<ItemResult>), NetError> {
        let body = format!("{{\"records\":[{}]}}", records.iter().map(record_json).collect::<Vec<_>>().join(","));
        let reply = net::post_text("/api/checkins", Some(&self.pairing.device_token), &body).await?;
        let server_time = UnixMillis(field_f64(&reply, "server_time").ok_or(NetError::BadAnswer)? as u64);
        let results = Reflect::get(&reply, &"results".into()).map_err(|_| NetError::BadAnswer)?;
        let results: Vec<ItemResult> = js_sys::Array::from(&results)
            .iter()
            .map(|r| item_result(&r))
            .collect::<Option<_>>()
            .ok_or(NetError::BadAnswer)?;
        Ok((server_time, results))
    }

    async fn pull(&self, revision: u64, seq: u64) -> Result<(UnixMillis, u64, u64, Vec<LedgerEntry>), NetError> {
        let token = self.pairing.device_token.clone();
        let reply = net::get_bytes(&format!("/api/manifest?since={revision}"), Some(&token), &|_, _| {}).await?;
        let delta = ManifestDelta::decode(&reply.body).map_err(|_| NetError::BadAnswer)?;
        if !delta.tickets.is_empty() || delta.revision != revision {
            let (bytes, cursors) = {
                let mut s = self.state.borrow_mut();
                s.manifest.apply(delta).map_err(|_| NetError::BadAnswer)?;
                let (rev, seq) = s.session.cursors();
                (
                    s.manifest.encode(),
                    Cursors { revision: s.manifest.revision.max(rev), seq, synced_at: js_sys::Date::now() as u64 },
                )
            };
            self.store.set_manifest(&bytes, cursors).await.map_err(|_| NetError::BadAnswer)?;
        }
        let new_revision = self.state.borrow().manifest.revision;
        let body = net::get_json(&format!("/api/admissions?since={seq}"), Some(&token)).await?;
        let server_time = UnixMillis(field_f64(&body, "server_time").ok_or(NetError::BadAnswer)? as u64);
        let next_seq = field_f64(&body, "seq").ok_or(NetError::BadAnswer)? as u64;
        let list = Reflect::get(&body, &"admissions".into()).map_err(|_| NetError::BadAnswer)?;
        let admissions: Vec<LedgerEntry> = js_sys::Array::from(&list)
            .iter()
            .map(|e| ledger_entry(&e))
            .collect::<Option<_>>()
            .ok_or(NetError::BadAnswer)?;
        Ok((server_time, new_revision, next_seq, admissions))
    }
}

fn retry_after(e: &NetError) -> Option<u64> {
    match e {
        NetError::Server { status: 429, .. } => Some(5_000),
        _ => None,
    }
}

/// A check-in as the API's JSON, written by hand: event ids are 64-bit and JavaScript numbers
/// would round them.
fn record_json(r: &CheckIn) -> String {
    let staff =
        js_sys::JSON::stringify(&JsValue::from_str(&r.staff)).ok().and_then(|s| s.as_string()).unwrap_or_default();
    let ticket = r.ticket.map(|t| t.0.to_string()).unwrap_or_else(|| "null".into());
    let movement = match r.movement {
        Movement::Entry => "entry",
        Movement::Exit => "exit",
    };
    let result = match r.result {
        ScanResult::Admitted => "\"admitted\"".to_string(),
        ScanResult::Refused(kind) => format!("{{\"refused\":\"{}\"}}", kind.slug()),
    };
    format!(
        "{{\"device\":{},\"scan_id\":{},\"event\":{},\"ticket\":{ticket},\"gate\":{},\"staff\":{staff},\"at\":{},\"movement\":\"{movement}\",\"result\":{result}}}",
        r.device.0, r.scan_id.0, r.event.0, r.gate.0, r.at.0
    )
}

fn num(v: &JsValue, key: &str) -> Option<u64> {
    field_f64(v, key).map(|n| n as u64)
}

fn stamp(v: &JsValue) -> Option<Stamp> {
    Some(Stamp {
        at: UnixMillis(num(v, "at")?),
        gate: GateId(num(v, "gate")? as u8),
        device: DeviceId(num(v, "device")? as u32),
    })
}

fn item_result(v: &JsValue) -> Option<ItemResult> {
    let o = Reflect::get(v, &"outcome".into()).ok()?;
    let outcome = match field_str(&o, "outcome")?.as_str() {
        "accepted" => SyncOutcome::Accepted { seq: num(&o, "seq")? },
        "conflict" => SyncOutcome::Conflict { winner: stamp(&Reflect::get(&o, &"winner".into()).ok()?)? },
        "recorded" => SyncOutcome::Recorded,
        "unknown" => SyncOutcome::Unknown,
        "revoked" => SyncOutcome::Revoked {
            status: match field_str(&o, "status")?.as_str() {
                "refunded" => TicketStatus::Refunded,
                "blocked" => TicketStatus::Blocked,
                _ => TicketStatus::Revoked,
            },
        },
        _ => return None,
    };
    Some(ItemResult {
        device: DeviceId(num(v, "device")? as u32),
        scan_id: ScanId(num(v, "scan_id")?),
        outcome,
        duplicate: Reflect::get(v, &"duplicate".into()).ok()?.as_bool()?,
    })
}

fn ledger_entry(v: &JsValue) -> Option<LedgerEntry> {
    let standing = Reflect::get(v, &"standing".into()).ok()?;
    let accepted = Reflect::get(&standing, &"accepted".into()).ok()?;
    Some(LedgerEntry {
        standing: Standing::Accepted { seq: num(&accepted, "seq")? },
        ticket: TicketId(num(v, "ticket")? as u32),
        device: DeviceId(num(v, "device")? as u32),
        scan_id: ScanId(num(v, "scan_id")?),
        stamp: stamp(&Reflect::get(v, &"stamp".into()).ok()?)?,
        movement: if field_str(v, "movement")? == "exit" { Movement::Exit } else { Movement::Entry },
    })
}

/// The verdict's headline, in plain words for the steward.
pub fn headline(kind: RefusalKind) -> &'static str {
    match kind {
        RefusalKind::Malformed => "Not a ticket",
        RefusalKind::Forged => "Fake ticket",
        RefusalKind::WrongEvent => "Ticket for another event",
        RefusalKind::NotYetValid => "Not valid yet",
        RefusalKind::Expired => "Ticket expired",
        RefusalKind::Refunded => "Ticket refunded",
        RefusalKind::Revoked => "Ticket cancelled",
        RefusalKind::Blocked => "Ticket blocked: call a supervisor",
        RefusalKind::StaleCode => "Old code: ask them to open the ticket again",
        RefusalKind::CodeRequired => "Needs the live code from the phone",
        RefusalKind::AlreadyCheckedIn => "Already checked in",
        RefusalKind::WrongGate => "Wrong gate",
        RefusalKind::NotInside => "Not inside: cannot exit",
        RefusalKind::UnknownTicket => "Not on this device: check online",
        RefusalKind::UnknownPin => "No ticket has this PIN",
    }
}
