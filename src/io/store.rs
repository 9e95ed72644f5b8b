//! The scanner's persistent state in IndexedDB (through `rexie`): the pairing, the manifest,
//! the sync cursors, the scan-id counter, the outbox, the ledger and the recent scans; and, for
//! the attendee's wallet, the tickets opened on this phone. Values are the compact
//! binary encodings owned by `ingia-core` (no JSON on the device).
//! Invariant: a scan's outbox record and ledger entry are written in one transaction, before the
//! verdict shows; nothing leaves the outbox until the server has answered for it.

use ingia_core::staff::StaffPin;
use ingia_core::sync::Conflict;
use ingia_core::wallet::WalletTicket;
use ingia_core::wire::{Reader, WireError, Writer};
use ingia_core::{CheckIn, DeviceId, EventId, GateId, LedgerEntry, Role, ScanId};
use js_sys::Uint8Array;
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};

/// The IndexedDB database of this app (the gate engine's and the wallet's).
pub const DB_NAME: &str = "ingia";
/// Version 2 added `history`, version 3 `wallet`, version 4 `conflicts`.
const VERSION: u32 = 5;
const KV: &str = "kv";
const OUTBOX: &str = "outbox";
const LEDGER: &str = "ledger";
const HISTORY: &str = "history";
/// The attendee's tickets (the wallet route), by ticket: (event id, ticket id).
const WALLET: &str = "wallet";
/// Conflicts this device learned at sync (the supervisor's list), by scan id.
const CONFLICTS: &str = "conflicts";
/// Records the server has settled, kept to send again to a server restored from a backup.
const SENT: &str = "sent";
/// Scans kept in `history` for the recent-scans list (the server keeps them all).
pub const HISTORY_KEEP: u64 = 500;

/// Why the device's storage failed. Shown to staff as "storage problem"; details to the console.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the browser's storage failed: {0}")]
    Db(#[from] rexie::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(WireError),
    #[error("stored value has the wrong type")]
    WrongType,
}

impl From<WireError> for StoreError {
    fn from(e: WireError) -> Self {
        StoreError::Damaged(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// This device's credentials from pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub device_token: String,
    pub device: DeviceId,
    pub event: EventId,
    pub gate: GateId,
    pub role: Role,
}

impl Pairing {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(1).str(&self.device_token).varint(u64::from(self.device.0)).u64_be(self.event.0);
        w.u8(self.gate.0).u8(self.role.code());
        w.into_bytes()
    }
    fn decode(bytes: &[u8]) -> std::result::Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != 1 {
            return Err(WireError::BadValue("pairing version"));
        }
        let p = Pairing {
            device_token: r.str()?,
            device: DeviceId(r.varint_u32()?),
            event: EventId(r.u64_be()?),
            gate: GateId(r.u8()?),
            role: Role::from_code(r.u8()?).ok_or(WireError::BadValue("role"))?,
        };
        r.finish()?;
        Ok(p)
    }
}

/// A first download of the event, kept part by part as it arrives: the manifest `revision` it
/// is of, its `total` length, how many `parts` are kept and their bytes (`held`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Download {
    pub revision: u64,
    pub total: u64,
    pub parts: u32,
    pub held: u64,
}

impl Download {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(self.revision).varint(self.total).varint(u64::from(self.parts)).varint(self.held);
        w.into_bytes()
    }
}

/// The deltas kept after the whole manifest: how many, their bytes, the whole's bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Deltas {
    count: u32,
    bytes: u64,
    whole: u64,
}

impl Deltas {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(u64::from(self.count)).varint(self.bytes).varint(self.whole);
        w.into_bytes()
    }
}

/// Sync cursors: manifest revision and admissions sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursors {
    pub revision: u64,
    pub seq: u64,
    /// Device time of the last successful pull (for "data as of").
    pub synced_at: u64,
}

fn bytes_value(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn value_bytes(v: JsValue) -> Result<Vec<u8>> {
    if !v.is_instance_of::<Uint8Array>() {
        return Err(StoreError::WrongType);
    }
    Ok(Uint8Array::from(v).to_vec())
}

fn ledger_key(e: &LedgerEntry) -> JsValue {
    JsValue::from_str(&format!("{}:{}", e.device.0, e.scan_id.0))
}

pub struct Store {
    db: Rexie,
}

impl Store {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Store> {
        let db = Rexie::builder(name)
            .version(VERSION)
            .add_object_store(ObjectStore::new(KV))
            .add_object_store(ObjectStore::new(OUTBOX))
            .add_object_store(ObjectStore::new(LEDGER))
            .add_object_store(ObjectStore::new(HISTORY))
            .add_object_store(ObjectStore::new(WALLET))
            .add_object_store(ObjectStore::new(CONFLICTS))
            .add_object_store(ObjectStore::new(SENT))
            .build()
            .await?;
        Ok(Store { db })
    }

    pub fn close(self) {
        self.db.close();
    }

    /// Deletes the whole database (unpairing).
    pub async fn destroy(name: &str) -> Result<()> {
        Rexie::delete(name).await.map_err(Into::into)
    }

    /// Empties every store at once (a revoked or expired device keeps nothing of its event).
    pub async fn erase(&self) -> Result<()> {
        let all = [KV, OUTBOX, LEDGER, HISTORY, WALLET, CONFLICTS, SENT];
        let tx = self.db.transaction(&all, TransactionMode::ReadWrite)?;
        for name in all {
            tx.store(name)?.clear().await?;
        }
        tx.done().await?;
        Ok(())
    }

    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let tx = self.db.transaction(&[KV], TransactionMode::ReadOnly)?;
        let v = tx.store(KV)?.get(JsValue::from_str(key)).await?;
        tx.done().await?;
        v.filter(|v| !v.is_undefined()).map(value_bytes).transpose()
    }

    async fn kv_put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        tx.store(KV)?.put(&bytes_value(bytes), Some(&JsValue::from_str(key))).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn pairing(&self) -> Result<Option<Pairing>> {
        self.kv_get("pairing").await?.map(|b| Pairing::decode(&b).map_err(Into::into)).transpose()
    }

    pub async fn set_pairing(&self, p: &Pairing) -> Result<()> {
        self.kv_put("pairing", &p.encode()).await
    }

    /// The manifest as stored: the bytes of its last whole form (decode with
    /// `ingia_core::Manifest::decode`) and the deltas pulled since, in order (`ManifestDelta`).
    pub async fn manifest(&self) -> Result<Option<(Vec<u8>, Vec<Vec<u8>>)>> {
        let Some(whole) = self.kv_get("manifest").await? else { return Ok(None) };
        let mut deltas = Vec::new();
        for i in 0..self.deltas().await?.count {
            deltas.push(self.kv_get(&format!("delta:{i}")).await?.ok_or(StoreError::WrongType)?);
        }
        Ok(Some((whole, deltas)))
    }

    async fn deltas(&self) -> Result<Deltas> {
        let Some(b) = self.kv_get("deltas").await? else { return Ok(Deltas::default()) };
        let mut r = Reader::new(&b);
        let d = Deltas { count: r.varint_u32()?, bytes: r.varint()?, whole: r.varint()? };
        r.finish()?;
        Ok(d)
    }

    /// Stores the whole manifest and its cursors together, so they never disagree; the deltas
    /// kept before it are dropped (it holds them).
    pub async fn set_manifest(&self, bytes: &[u8], cursors: Cursors) -> Result<()> {
        let old = self.deltas().await?.count;
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        put_whole(&tx.store(KV)?, bytes, cursors, old).await?;
        tx.done().await?;
        Ok(())
    }

    /// Keeps a pulled delta after the stored manifest, with the new cursors, in one transaction:
    /// a sync writes what changed, not the 4 MB of a festival's manifest. Says whether the deltas
    /// have grown to a quarter of the whole (or 64 of them): time to store the whole again.
    pub async fn add_delta(&self, bytes: &[u8], cursors: Cursors) -> Result<bool> {
        let mut d = self.deltas().await?;
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        let kv = tx.store(KV)?;
        kv.put(&bytes_value(bytes), Some(&JsValue::from_str(&format!("delta:{}", d.count)))).await?;
        d.count += 1;
        d.bytes += bytes.len() as u64;
        kv.put(&bytes_value(&d.encode()), Some(&JsValue::from_str("deltas"))).await?;
        kv.put(&bytes_value(&encode_cursors(cursors)), Some(&JsValue::from_str("cursors"))).await?;
        tx.done().await?;
        Ok(d.bytes * 4 > d.whole || d.count >= 64)
    }

    /// A first download under way: what has been kept of it so far (it resumes from there after
    /// a dropped connection or a closed app, never from zero).
    pub async fn download(&self) -> Result<Option<Download>> {
        let Some(b) = self.kv_get("download").await? else { return Ok(None) };
        let mut r = Reader::new(&b);
        let d = Download { revision: r.varint()?, total: r.varint()?, parts: r.varint_u32()?, held: r.varint()? };
        r.finish()?;
        Ok(Some(d))
    }

    /// Keeps the next part of a download with its new state, in one transaction. A first part
    /// (`d.parts == 0`) starts a new download: the parts of an older one are dropped.
    pub async fn keep_download_part(&self, mut d: Download, bytes: &[u8]) -> Result<Download> {
        let old = if d.parts == 0 { self.download().await?.map_or(0, |o| o.parts) } else { 0 };
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        let kv = tx.store(KV)?;
        for part in 0..old {
            kv.delete(JsValue::from_str(&format!("download:{part}"))).await?;
        }
        kv.put(&bytes_value(bytes), Some(&JsValue::from_str(&format!("download:{}", d.parts)))).await?;
        d.parts += 1;
        d.held += bytes.len() as u64;
        kv.put(&bytes_value(&d.encode()), Some(&JsValue::from_str("download"))).await?;
        tx.done().await?;
        Ok(d)
    }

    /// The bytes of a download's parts, in order.
    pub async fn download_bytes(&self, d: Download) -> Result<Vec<u8>> {
        let mut all = Vec::with_capacity(d.held as usize);
        for part in 0..d.parts {
            all.extend(self.kv_get(&format!("download:{part}")).await?.ok_or(StoreError::WrongType)?);
        }
        Ok(all)
    }

    /// Forgets a download (damaged bytes: the next try starts from zero).
    pub async fn drop_download(&self) -> Result<()> {
        let parts = self.download().await?.map_or(0, |d| d.parts);
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        let kv = tx.store(KV)?;
        for part in 0..parts {
            kv.delete(JsValue::from_str(&format!("download:{part}"))).await?;
        }
        kv.delete(JsValue::from_str("download")).await?;
        tx.done().await?;
        Ok(())
    }

    /// Stores a finished download as the manifest with its cursors and drops its parts, in one
    /// transaction.
    pub async fn finish_download(&self, d: Download, bytes: &[u8], cursors: Cursors) -> Result<()> {
        let old = self.deltas().await?.count;
        let tx = self.db.transaction(&[KV], TransactionMode::ReadWrite)?;
        let kv = tx.store(KV)?;
        put_whole(&kv, bytes, cursors, old).await?;
        for part in 0..d.parts {
            kv.delete(JsValue::from_str(&format!("download:{part}"))).await?;
        }
        kv.delete(JsValue::from_str("download")).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn cursors(&self) -> Result<Cursors> {
        match self.kv_get("cursors").await? {
            None => Ok(Cursors::default()),
            Some(b) => {
                let mut r = Reader::new(&b);
                let c = Cursors { revision: r.varint()?, seq: r.varint()?, synced_at: r.varint()? };
                r.finish()?;
                Ok(c)
            }
        }
    }

    pub async fn set_cursors(&self, c: Cursors) -> Result<()> {
        self.kv_put("cursors", &encode_cursors(c)).await
    }

    /// Records a scan: takes this device's next scan id (unique and increasing, across reloads
    /// and restarts), lets `make` build the record (and, for an admission, its ledger entry)
    /// with it, and writes it to the outbox, the recent scans and the ledger. One transaction,
    /// awaited before the verdict shows: the id and the record are stored together or not at all.
    pub async fn record_scan(&self, make: impl FnOnce(ScanId) -> (CheckIn, Option<LedgerEntry>)) -> Result<CheckIn> {
        let tx = self.db.transaction(&[KV, OUTBOX, LEDGER, HISTORY], TransactionMode::ReadWrite)?;
        let kv = tx.store(KV)?;
        let counter = JsValue::from_str("scan_counter");
        let last = kv.get(counter.clone()).await?.and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
        let scan_id = ScanId(last + 1);
        kv.put(&JsValue::from_f64(scan_id.0 as f64), Some(&counter)).await?;
        let (record, entry) = make(scan_id);
        let bytes = bytes_value(&record.encode());
        let key = JsValue::from_f64(scan_id.0 as f64);
        tx.store(OUTBOX)?.put(&bytes, Some(&key)).await?;
        let history = tx.store(HISTORY)?;
        history.put(&bytes, Some(&key)).await?;
        if scan_id.0 > HISTORY_KEEP {
            history.delete(JsValue::from_f64((scan_id.0 - HISTORY_KEEP) as f64)).await?;
        }
        if let Some(e) = entry {
            tx.store(LEDGER)?.put(&bytes_value(&e.encode()), Some(&ledger_key(&e))).await?;
        }
        tx.done().await?;
        Ok(record)
    }

    /// This device's last `limit` scans, newest first (at most `HISTORY_KEEP`).
    pub async fn recent(&self, limit: usize) -> Result<Vec<CheckIn>> {
        let tx = self.db.transaction(&[KV, HISTORY], TransactionMode::ReadOnly)?;
        // Keys are scan ids: read only the last `limit` of them (this runs after every scan).
        let last = tx.store(KV)?.get(JsValue::from_str("scan_counter")).await?.and_then(|v| v.as_f64()).unwrap_or(0.0);
        let first = (last - limit.min(HISTORY_KEEP as usize) as f64 + 1.0).max(1.0);
        let range = rexie::KeyRange::lower_bound(&JsValue::from_f64(first), Some(false)).map_err(rexie::Error::from)?;
        let values = tx.store(HISTORY)?.get_all(Some(range), None).await?;
        tx.done().await?;
        // `getAll` answers in key order (scan ids, numbers): the newest is last.
        values.into_iter().rev().take(limit).map(|v| Ok(CheckIn::decode(&value_bytes(v)?)?)).collect()
    }

    /// Every value of store `name`, decoded, in key order (`getAll` answers so).
    async fn all<T, E: Into<StoreError>>(
        &self,
        name: &str,
        decode: impl Fn(&[u8]) -> std::result::Result<T, E>,
    ) -> Result<Vec<T>> {
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly)?;
        let values = tx.store(name)?.get_all(None, None).await?;
        tx.done().await?;
        values.into_iter().map(|v| decode(&value_bytes(v)?).map_err(Into::into)).collect()
    }

    /// Every record still waiting for the server, oldest first (keys are scan ids, numbers).
    pub async fn outbox(&self) -> Result<Vec<CheckIn>> {
        self.all(OUTBOX, CheckIn::decode).await
    }

    /// Records the server has answered for move from the outbox to the sent records; their
    /// ledger entries and the conflicts among them are written in the same transaction.
    pub async fn settle(&self, scan_ids: &[ScanId], entries: &[LedgerEntry], conflicts: &[Conflict]) -> Result<()> {
        let tx = self.db.transaction(&[OUTBOX, SENT, LEDGER, CONFLICTS], TransactionMode::ReadWrite)?;
        let outbox = tx.store(OUTBOX)?;
        let sent = tx.store(SENT)?;
        for id in scan_ids {
            let key = JsValue::from_f64(id.0 as f64);
            if let Some(record) = outbox.get(key.clone()).await?.filter(|v| !v.is_undefined()) {
                sent.put(&record, Some(&key)).await?;
            }
            outbox.delete(key).await?;
        }
        let ledger = tx.store(LEDGER)?;
        for e in entries {
            ledger.put(&bytes_value(&e.encode()), Some(&ledger_key(e))).await?;
        }
        let kept = tx.store(CONFLICTS)?;
        for c in conflicts {
            kept.put(&bytes_value(&c.encode()), Some(&JsValue::from_f64(c.record.scan_id.0 as f64))).await?;
        }
        tx.done().await?;
        Ok(())
    }

    /// Records the server had settled go back to the outbox (a server restored from a backup).
    pub async fn requeue(&self, records: &[CheckIn]) -> Result<()> {
        let tx = self.db.transaction(&[OUTBOX, SENT], TransactionMode::ReadWrite)?;
        let (outbox, sent) = (tx.store(OUTBOX)?, tx.store(SENT)?);
        for r in records {
            let key = JsValue::from_f64(r.scan_id.0 as f64);
            outbox.put(&bytes_value(&r.encode()), Some(&key)).await?;
            sent.delete(key).await?;
        }
        tx.done().await?;
        Ok(())
    }

    /// Every record the server has settled for this device, oldest first.
    pub async fn sent(&self) -> Result<Vec<CheckIn>> {
        self.all(SENT, CheckIn::decode).await
    }

    /// The server epoch this device last heard (`ingia_core::sync`).
    pub async fn epoch(&self) -> Result<Option<u64>> {
        self.kv_get("epoch").await?.map(|b| Ok(Reader::new(&b).varint()?)).transpose()
    }

    pub async fn set_epoch(&self, epoch: u64) -> Result<()> {
        let mut w = Writer::new();
        w.varint(epoch);
        self.kv_put("epoch", &w.into_bytes()).await
    }

    /// Ledger entries learned from the server (other gates' admissions, decisions).
    pub async fn put_ledger(&self, entries: &[LedgerEntry]) -> Result<()> {
        self.settle(&[], entries, &[]).await
    }

    /// The conflicts this device has learned, oldest first.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.all(CONFLICTS, Conflict::decode).await
    }

    pub async fn ledger(&self) -> Result<Vec<LedgerEntry>> {
        self.all(LEDGER, LedgerEntry::decode).await
    }
}

impl Store {
    /// Keeps (or refreshes) a ticket in the wallet.
    pub async fn put_wallet_ticket(&self, t: &WalletTicket) -> Result<()> {
        let tx = self.db.transaction(&[WALLET], TransactionMode::ReadWrite)?;
        let key = JsValue::from_str(&format!("{}:{}", t.event_id, t.ticket_id));
        tx.store(WALLET)?.put(&bytes_value(&t.encode()), Some(&key)).await?;
        tx.done().await?;
        Ok(())
    }

    /// The name of whoever scans on this device (named on every record), if they gave one.
    pub async fn staff_name(&self) -> Result<Option<String>> {
        Ok(self.kv_get("staff").await?.and_then(|b| String::from_utf8(b).ok()))
    }

    pub async fn set_staff_name(&self, name: &str) -> Result<()> {
        self.kv_put("staff", name.as_bytes()).await
    }

    /// The kiosk's staff exit PIN (salted digest), if staff set one.
    /// The staff PIN of this device (a kiosk's exit PIN, a gate screen's lock PIN).
    pub async fn staff_pin(&self) -> Result<Option<StaffPin>> {
        Ok(self.kv_get("kiosk_pin").await?.and_then(|b| StaffPin::from_bytes(&b)))
    }

    pub async fn set_staff_pin(&self, pin: &StaffPin) -> Result<()> {
        self.kv_put("kiosk_pin", &pin.to_bytes()).await
    }

    /// Idle minutes before the gate screen locks (0: never).
    pub async fn lock_minutes(&self) -> Result<u8> {
        Ok(self.kv_get("lock_minutes").await?.and_then(|b| b.first().copied()).unwrap_or(0))
    }

    pub async fn set_lock_minutes(&self, minutes: u8) -> Result<()> {
        self.kv_put("lock_minutes", &[minutes]).await
    }

    /// Every ticket in the wallet, by event and ticket.
    pub async fn wallet_tickets(&self) -> Result<Vec<WalletTicket>> {
        self.all(WALLET, WalletTicket::decode).await
    }
}

/// Writes the whole manifest and its cursors, and drops the `old` deltas kept before it.
async fn put_whole(kv: &rexie::Store, bytes: &[u8], cursors: Cursors, old: u32) -> Result<()> {
    kv.put(&bytes_value(bytes), Some(&JsValue::from_str("manifest"))).await?;
    kv.put(&bytes_value(&encode_cursors(cursors)), Some(&JsValue::from_str("cursors"))).await?;
    for i in 0..old {
        kv.delete(JsValue::from_str(&format!("delta:{i}"))).await?;
    }
    let fresh = Deltas { count: 0, bytes: 0, whole: bytes.len() as u64 };
    kv.put(&bytes_value(&fresh.encode()), Some(&JsValue::from_str("deltas"))).await?;
    Ok(())
}

fn encode_cursors(c: Cursors) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(c.revision).varint(c.seq).varint(c.synced_at);
    w.into_bytes()
}
