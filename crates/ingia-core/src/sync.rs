//! The scanner's sync session, sans-IO: the outbox of check-ins, batches to the server,
//! acknowledgements and conflicts, retries with backoff, manifest delta pulls and the
//! server-clock offset. The shell feeds it inputs (`enqueue`, `handle_reply`,
//! `handle_timeout`, `network_up`) with `now`, and drains outputs (`poll_transmit`,
//! `poll_event`, `poll_timeout`). Nothing here reads a clock or does I/O.
//! Invariant: a record leaves the outbox only when the server has answered for it; replies are
//! applied by (device, scan id), so lost, late, reordered and duplicated replies are harmless.
//! Settled records are kept: a server restored from a backup (its epoch changes) may have lost
//! what it settled since, so they all go back to the outbox and are sent again.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use crate::checkin::CheckIn;
use crate::conflict::{ItemResult, SyncOutcome};
use crate::ids::{DeviceId, ScanId, UnixMillis};
use crate::ledger::{Ledger, LedgerEntry, Standing};
use crate::live::{LiveMessage, PhoneArrival};
use crate::presence::Stamp;
use crate::wire::{Reader, WireError, Writer};
use crate::GateId;

/// Tuning. The defaults suit a phone at a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncConfig {
    /// Most check-ins in one push.
    pub batch_max: usize,
    /// A request with no reply after this long counts as failed.
    pub request_timeout_ms: u64,
    /// First retry delay; doubles per failure up to `backoff_max_ms`, with jitter.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How often to pull manifest and check-in deltas while things go well.
    pub pull_interval_ms: u64,
    /// How often while the live stream is up (it brings admissions and revision changes at
    /// once; the pull is the safety net and carries the device's own report).
    pub live_pull_interval_ms: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            batch_max: 50,
            request_timeout_ms: 15_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 60_000,
            pull_interval_ms: 10_000,
            live_pull_interval_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Something the shell must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// POST these check-ins.
    Push { id: RequestId, records: Vec<CheckIn> },
    /// GET the manifest delta after `revision` and the admissions after `seq`.
    Pull { id: RequestId, revision: u64, seq: u64 },
}

impl Transmit {
    pub fn id(&self) -> RequestId {
        match self {
            Transmit::Push { id, .. } | Transmit::Pull { id, .. } => *id,
        }
    }
}

/// What came back (the shell turns HTTP answers into these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Pushed {
        id: RequestId,
        server_time: UnixMillis,
        results: Vec<ItemResult>,
    },
    /// The shell has stored the manifest delta up to `revision` before handing this in.
    Pulled {
        id: RequestId,
        server_time: UnixMillis,
        revision: u64,
        seq: u64,
        admissions: Vec<LedgerEntry>,
        /// The server's epoch (`x-ingia-epoch`), where it said one.
        epoch: Option<u64>,
    },
    /// The request failed (network error, 5xx, 429). `retry_after_ms` from a Retry-After header.
    Failed {
        id: RequestId,
        retry_after_ms: Option<u64>,
    },
}

/// Something the shell should know (persist, show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// The server decided this record; it has left the outbox.
    Settled { record: CheckIn, outcome: SyncOutcome },
    /// An admission from another gate, now in the ledger.
    Learned(LedgerEntry),
    /// The pull cursors moved (persist them).
    Cursor { revision: u64, seq: u64 },
    /// A better estimate of `server time - device time`.
    ClockOffset { offset_ms: i64 },
    /// The server answered a request (device time): what "data as of" shows; persist it.
    Contact { at: UnixMillis },
    /// The server's epoch is (now) this: persist it. A change means the server was restored from
    /// a backup: `resent` are this device's settled records, back in the outbox (store them there
    /// again); empty the first time a session hears an epoch.
    Epoch { epoch: u64, resent: Vec<CheckIn> },
}

/// A check-in this device admitted that the server gave to someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub record: CheckIn,
    pub winner: Stamp,
}

impl Conflict {
    /// The conflict a settled record makes: the server gave its ticket to another admission.
    pub fn from_settled(record: &CheckIn, outcome: SyncOutcome) -> Option<Self> {
        match outcome {
            SyncOutcome::Conflict { winner } => Some(Conflict { record: record.clone(), winner }),
            _ => None,
        }
    }

    /// Kept on the device, so a supervisor's list survives a reload: version, the winner's
    /// stamp, then this device's record.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(1).varint(self.winner.at.0).u8(self.winner.gate.0).varint(u64::from(self.winner.device.0));
        w.bytes(&self.record.encode());
        w.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != 1 {
            return Err(WireError::BadValue("conflict version"));
        }
        let winner = Stamp { at: UnixMillis(r.varint()?), gate: GateId(r.u8()?), device: DeviceId(r.varint_u32()?) };
        let record = CheckIn::decode(r.take(r.remaining())?)?;
        Ok(Conflict { record, winner })
    }
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    id: RequestId,
    sent_at: UnixMillis,
    deadline: UnixMillis,
}

#[derive(Debug, Clone, Copy, Default)]
struct Retry {
    failures: u32,
    next_at: UnixMillis,
    /// The server's `Retry-After`: not even a returning network retries before it.
    not_before: UnixMillis,
}

impl Retry {
    /// Due now, unless the server asked to wait longer.
    fn now_or_later(self, now: UnixMillis) -> Retry {
        Retry { failures: 0, next_at: now.max(self.not_before), not_before: self.not_before }
    }
}

#[derive(Debug, Clone)]
pub struct SyncSession {
    device: DeviceId,
    config: SyncConfig,
    outbox: BTreeMap<ScanId, CheckIn>,
    /// Records the server has settled, kept to send again after a restore.
    sent: BTreeMap<ScanId, CheckIn>,
    epoch: Option<u64>,
    ledger: Ledger,
    push: Option<InFlight>,
    pull: Option<InFlight>,
    push_retry: Retry,
    pull_retry: Retry,
    revision: u64,
    seq: u64,
    next_request: u64,
    rng: u64,
    offset: Option<(u64, i64)>,
    synced: u64,
    conflicts: Vec<Conflict>,
    events: VecDeque<SyncEvent>,
    contact: Option<UnixMillis>,
    live: bool,
    /// The live stream's last list of phone arrivals at this gate (memory only).
    phone: Vec<PhoneArrival>,
}

impl SyncSession {
    /// A session for `device`, resuming from stored cursors. `seed` (any random value) spreads
    /// retries so that fifty phones coming back online do not all retry at once.
    pub fn new(device: DeviceId, config: SyncConfig, revision: u64, seq: u64, seed: u64) -> Self {
        SyncSession {
            device,
            config,
            outbox: BTreeMap::new(),
            sent: BTreeMap::new(),
            epoch: None,
            ledger: Ledger::new(),
            push: None,
            pull: None,
            push_retry: Retry::default(),
            pull_retry: Retry::default(),
            revision,
            seq,
            next_request: 1,
            rng: seed | 1,
            offset: None,
            synced: 0,
            conflicts: Vec::new(),
            events: VecDeque::new(),
            contact: None,
            live: false,
            phone: Vec::new(),
        }
    }

    // ----- inputs -----

    /// Adds a check-in to the outbox (idempotent on scan id) and, if it admitted someone, to
    /// the ledger as a local entry. Call after the record is stored, before the verdict shows.
    pub fn enqueue(&mut self, record: CheckIn) {
        if let Some(entry) = LedgerEntry::from_checkin(&record, Standing::Local) {
            self.ledger.merge(entry);
        }
        self.outbox.entry(record.scan_id).or_insert(record);
    }

    /// Ledger entries restored from storage at start-up, or learned by other means.
    pub fn merge_ledger(&mut self, entries: impl IntoIterator<Item = LedgerEntry>) {
        self.ledger.merge_all(entries);
    }

    /// Conflicts an earlier session of this device settled (kept on the device).
    pub fn restore_conflicts(&mut self, conflicts: impl IntoIterator<Item = Conflict>) {
        self.conflicts.extend(conflicts);
    }

    /// What an earlier session of this device had settled and the server epoch it knew (kept on
    /// the device), so a restored server is sent them again.
    pub fn restore_sent(&mut self, epoch: Option<u64>, records: impl IntoIterator<Item = CheckIn>) {
        self.epoch = self.epoch.or(epoch);
        for r in records {
            if !self.outbox.contains_key(&r.scan_id) {
                self.sent.insert(r.scan_id, r);
            }
        }
    }

    /// The last answer from the server an earlier session of this device had (kept on the device).
    pub fn restore_contact(&mut self, at: UnixMillis) {
        self.contact = self.contact.max(Some(at)).filter(|t| t.0 > 0);
    }

    /// The browser said the network is back: try now instead of waiting out the backoff, but
    /// never before a `Retry-After` the server gave.
    /// (While the live stream is up, nothing was missed: only the push is hurried.)
    pub fn network_up(&mut self, now: UnixMillis) {
        self.push_retry = self.push_retry.now_or_later(now);
        if !self.live {
            self.pull_retry = self.pull_retry.now_or_later(now);
        }
    }

    pub fn handle_reply(&mut self, now: UnixMillis, reply: Reply) {
        match reply {
            Reply::Pushed { id, server_time, results } => {
                if let Some(f) = self.push.filter(|f| f.id == id) {
                    self.push = None;
                    self.push_retry = Retry { failures: 0, next_at: now, not_before: now };
                    self.learn_offset(f.sent_at, now, server_time);
                    self.heard(now);
                }
                for r in results {
                    self.settle(r);
                }
            }
            Reply::Pulled { id, server_time, revision, seq, admissions, epoch } => {
                if let Some(f) = self.pull.filter(|f| f.id == id) {
                    self.pull = None;
                    let next_at = now.saturating_add_ms(self.pull_interval());
                    self.pull_retry = Retry { failures: 0, next_at, not_before: now };
                    self.learn_offset(f.sent_at, now, server_time);
                    self.heard(now);
                }
                for entry in admissions {
                    if entry.device != self.device {
                        self.events.push_back(SyncEvent::Learned(entry));
                    }
                    self.ledger.merge(entry);
                }
                if revision > self.revision || seq > self.seq {
                    self.revision = self.revision.max(revision);
                    self.seq = self.seq.max(seq);
                    self.events.push_back(SyncEvent::Cursor { revision: self.revision, seq: self.seq });
                }
                if let Some(epoch) = epoch {
                    self.learn_epoch(now, epoch);
                }
            }
            Reply::Failed { id, retry_after_ms } => {
                if self.push.is_some_and(|f| f.id == id) {
                    self.push = None;
                    self.push_retry = self.backoff(self.push_retry, now, retry_after_ms);
                } else if self.pull.is_some_and(|f| f.id == id) {
                    self.pull = None;
                    self.pull_retry = self.backoff(self.pull_retry, now, retry_after_ms);
                }
            }
        }
    }

    /// The live stream is connected: pulls slow to `live_pull_interval_ms`.
    pub fn live_up(&mut self, now: UnixMillis) {
        if !self.live {
            self.live = true;
            self.heard(now);
            // The stream's first message says the revision: a manifest behind it pulls then.
            if self.pull_retry.failures == 0 {
                self.pull_retry.next_at = self.pull_retry.next_at.max(now.saturating_add_ms(self.pull_interval()));
            }
        }
    }

    /// The live stream dropped: pull at the normal pace again, starting now (what was sent while
    /// it was down is fetched at once), never before a `Retry-After`.
    pub fn live_down(&mut self, now: UnixMillis) {
        if self.live {
            self.live = false;
            self.pull_retry = self.pull_retry.now_or_later(now);
        }
    }

    /// Bytes came over the live stream (a keep-alive at least): the server is in contact, and
    /// what this gate shows is as of now.
    pub fn live_heard(&mut self, now: UnixMillis) {
        if self.live {
            self.heard(now);
        }
    }

    /// A message from the live stream. Admissions that follow this session's cursor are learned
    /// and move it; ones after a gap are learned but leave the cursor, and a pull fills the gap
    /// now. A revision ahead of the manifest makes the pull due now.
    pub fn handle_live(&mut self, now: UnixMillis, message: LiveMessage) {
        match message {
            LiveMessage::Admissions { after, seq, entries, .. } => {
                self.heard(now);
                for entry in entries {
                    if entry.device != self.device {
                        self.events.push_back(SyncEvent::Learned(entry));
                    }
                    self.ledger.merge(entry);
                }
                if after > self.seq {
                    self.pull_retry = self.pull_retry.now_or_later(now);
                } else if seq > self.seq {
                    self.seq = seq;
                    self.events.push_back(SyncEvent::Cursor { revision: self.revision, seq: self.seq });
                }
            }
            LiveMessage::Revision(revision) if revision > self.revision => {
                self.pull_retry = self.pull_retry.now_or_later(now);
            }
            LiveMessage::Revision(_) => {}
            LiveMessage::Phone(list) => {
                self.heard(now);
                self.phone = list;
            }
        }
    }

    /// Call when `poll_timeout` comes due: requests past their deadline count as failed.
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        if self.push.is_some_and(|f| now >= f.deadline) {
            self.push = None;
            self.push_retry = self.backoff(self.push_retry, now, None);
        }
        if self.pull.is_some_and(|f| now >= f.deadline) {
            self.pull = None;
            self.pull_retry = self.backoff(self.pull_retry, now, None);
        }
    }

    // ----- outputs -----

    /// The next request to send, if one is due.
    pub fn poll_transmit(&mut self, now: UnixMillis) -> Option<Transmit> {
        self.handle_timeout(now);
        if self.push.is_none() && !self.outbox.is_empty() && now >= self.push_retry.next_at {
            let id = self.request_id();
            let records: Vec<CheckIn> = self.outbox.values().take(self.config.batch_max).cloned().collect();
            self.push = Some(self.in_flight(id, now));
            return Some(Transmit::Push { id, records });
        }
        if self.pull.is_none() && now >= self.pull_retry.next_at {
            let id = self.request_id();
            self.pull = Some(self.in_flight(id, now));
            return Some(Transmit::Pull { id, revision: self.revision, seq: self.seq });
        }
        None
    }

    pub fn poll_event(&mut self) -> Option<SyncEvent> {
        self.events.pop_front()
    }

    /// When the session next needs `handle_timeout` / `poll_transmit`.
    pub fn poll_timeout(&self) -> Option<UnixMillis> {
        let mut next: Option<UnixMillis> = None;
        let mut consider = |t: UnixMillis| next = Some(next.map_or(t, |n| n.min(t)));
        match self.push {
            Some(f) => consider(f.deadline),
            None if !self.outbox.is_empty() => consider(self.push_retry.next_at),
            None => {}
        }
        match self.pull {
            Some(f) => consider(f.deadline),
            None => consider(self.pull_retry.next_at),
        }
        next
    }

    // ----- state -----

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }
    pub fn outbox(&self) -> impl Iterator<Item = &CheckIn> {
        self.outbox.values()
    }
    /// Records the server has decided during this session.
    pub fn synced(&self) -> u64 {
        self.synced
    }
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }
    /// The server epoch this device knows (`None` before the first pull that said one).
    pub fn epoch(&self) -> Option<u64> {
        self.epoch
    }
    pub fn cursors(&self) -> (u64, u64) {
        (self.revision, self.seq)
    }
    /// `server time - device time`, once a reply has shown it.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.offset.map(|(_, o)| o)
    }
    /// Device time of the last answer from the server (this session or, restored, an earlier one).
    pub fn last_contact(&self) -> Option<UnixMillis> {
        self.contact
    }
    /// The device clock corrected by the learned offset.
    /// Whether the live stream is up.
    /// The people admitted by SMS or USSD for this gate within [`crate::live::PHONE_WINDOW_MS`]
    /// of `device_now` (on the server's clock), newest first, as the live stream last said.
    pub fn phone_arrivals(&self, device_now: UnixMillis) -> impl Iterator<Item = &PhoneArrival> {
        let now = self.server_now(device_now).0;
        self.phone.iter().filter(move |a| a.at.0.saturating_add(crate::live::PHONE_WINDOW_MS) >= now)
    }

    pub fn is_live(&self) -> bool {
        self.live
    }
    pub fn server_now(&self, device_now: UnixMillis) -> UnixMillis {
        device_now.offset_by(self.clock_offset_ms().unwrap_or(0))
    }

    // ----- internals -----

    fn settle(&mut self, result: ItemResult) {
        if result.device != self.device {
            return;
        }
        let Some(record) = self.outbox.remove(&result.scan_id) else { return };
        if let Some(entry) = LedgerEntry::from_checkin(&record, result.outcome.standing()) {
            self.ledger.merge(entry);
        }
        // The winner's own ledger entry arrives with the next pull.
        if let Some(c) = Conflict::from_settled(&record, result.outcome) {
            // Sent again after a restore, a record may conflict a second time: listed once.
            self.conflicts.retain(|old| old.record.scan_id != record.scan_id);
            self.conflicts.push(c);
        }
        self.sent.insert(record.scan_id, record.clone());
        self.synced += 1;
        self.events.push_back(SyncEvent::Settled { record, outcome: result.outcome });
    }

    /// A restored server moved its sequences past anything a gate saw (`ingia-server`'s backup),
    /// so the cursors stay; what it settled for this device since the backup may be gone.
    fn learn_epoch(&mut self, now: UnixMillis, epoch: u64) {
        if self.epoch == Some(epoch) {
            return;
        }
        let resent = match self.epoch.replace(epoch) {
            None => Vec::new(),
            Some(_) => {
                let resent: Vec<CheckIn> = core::mem::take(&mut self.sent).into_values().collect();
                for r in &resent {
                    self.outbox.entry(r.scan_id).or_insert_with(|| r.clone());
                }
                self.push_retry = self.push_retry.now_or_later(now);
                resent
            }
        };
        self.events.push_back(SyncEvent::Epoch { epoch, resent });
    }

    fn pull_interval(&self) -> u64 {
        if self.live {
            self.config.live_pull_interval_ms
        } else {
            self.config.pull_interval_ms
        }
    }

    fn heard(&mut self, now: UnixMillis) {
        self.contact = Some(now);
        self.events.push_back(SyncEvent::Contact { at: now });
    }

    fn learn_offset(&mut self, sent_at: UnixMillis, now: UnixMillis, server_time: UnixMillis) {
        let rtt = now.0.saturating_sub(sent_at.0);
        let midpoint = sent_at.0 + rtt / 2;
        let offset = server_time.0 as i64 - midpoint as i64;
        // Keep the sample with the shortest round trip (the least uncertain), but let a sample
        // replace it when the clock has clearly jumped (more than the old sample's uncertainty).
        let better = match self.offset {
            None => true,
            Some((best_rtt, best)) => rtt <= best_rtt || offset.abs_diff(best) > best_rtt.max(rtt),
        };
        if better {
            self.offset = Some((rtt, offset));
            self.events.push_back(SyncEvent::ClockOffset { offset_ms: offset });
        }
    }

    fn request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        id
    }

    fn in_flight(&self, id: RequestId, now: UnixMillis) -> InFlight {
        InFlight { id, sent_at: now, deadline: now.saturating_add_ms(self.config.request_timeout_ms) }
    }

    fn backoff(&mut self, retry: Retry, now: UnixMillis, retry_after_ms: Option<u64>) -> Retry {
        let failures = retry.failures.saturating_add(1);
        let ceiling =
            self.config.backoff_base_ms.saturating_mul(1u64 << (failures - 1).min(20)).min(self.config.backoff_max_ms);
        // "Equal jitter": half fixed, half random.
        let half = ceiling / 2;
        let delay = half + self.next_random() % (half + 1);
        let asked = retry_after_ms.unwrap_or(0);
        let not_before = now.saturating_add_ms(asked).max(retry.not_before);
        Retry { failures, next_at: now.saturating_add_ms(delay.max(asked)), not_before }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: enough to spread retries; not for secrets.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
