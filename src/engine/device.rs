//! The paired device's data: pairing (a one-time code for a device token), the manifest
//! download with progress (kept part by part, resumed where it stopped), and loading both back
//! from IndexedDB at start.
//! Invariant: the device token is stored the moment the server hands it out (pairing codes work
//! once), before anything else can fail; the manifest and its cursors are stored together.

use ingia_core::{DeviceId, EventId, GateId, Manifest, ManifestDelta, Role};

use ingia_core::exchange::MEDIA_TYPE;

use crate::io::clock;
use crate::io::net::{self, field_f64, field_str, NetError};
use crate::io::store::{Cursors, Download, Pairing, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the event data from the server is damaged ({0}); try again")]
    BadManifest(String),
}

/// What a paired device has.
pub struct Paired {
    pub pairing: Pairing,
    pub manifest: Option<Manifest>,
    pub cursors: Cursors,
}

pub async fn load(store: &Store) -> Result<Option<Paired>, DeviceError> {
    let Some(pairing) = store.pairing().await? else { return Ok(None) };
    // A manifest an older version stored (in the clear, or in an older encoding) reads as none:
    // the gate downloads the event again, in the form its role gets now.
    // So are deltas that do not apply.
    let manifest = store.manifest().await?.and_then(|(whole, deltas)| {
        let mut m = Manifest::decode(&whole).ok()?;
        for d in deltas {
            m.apply(ManifestDelta::decode(&d).ok()?).ok()?;
        }
        Some(m)
    });
    Ok(Some(Paired { pairing, manifest, cursors: store.cursors().await? }))
}

/// Exchanges a pairing code for a device token and stores it at once.
pub async fn pair(store: &Store, code: &str, device_name: &str) -> Result<Pairing, DeviceError> {
    let body = net::object(&[("code", code.into()), ("name", device_name.into())]);
    let reply = net::post_json("/api/pair", None, &body).await?;
    let pairing = (|| {
        Some(Pairing {
            device_token: field_str(&reply, "device_token")?,
            device: DeviceId(field_f64(&reply, "device_id")? as u32),
            event: EventId(field_str(&reply, "event_id")?.parse().ok()?),
            gate: GateId(field_f64(&reply, "gate")? as u8),
            role: Role::from_slug(&field_str(&reply, "role")?)?,
        })
    })()
    .ok_or(NetError::BadAnswer)?;
    store.set_pairing(&pairing).await?;
    Ok(pairing)
}

/// The bytes kept per IndexedDB write while downloading (a dropped connection loses at most
/// what had come since).
const PART: usize = 256 * 1024;

/// Downloads the full manifest part by part, each part kept in IndexedDB as it arrives, so a
/// dropped connection (or a closed app) resumes from what is kept, never from zero: tried again
/// after 1 s, doubling to 30 s. Reports progress in 0..=1 and whether it is waiting for the
/// network; checks the manifest is this device's event, and stores it with its cursor.
pub async fn download_manifest(
    store: &Store,
    pairing: &Pairing,
    now_ms: &dyn Fn() -> u64,
    progress: &dyn Fn(f64, bool),
) -> Result<(Manifest, Cursors), DeviceError> {
    let mut wait_ms = 1_000;
    let done = loop {
        match download_rest(store, pairing, progress).await {
            Err(DeviceError::Net(NetError::Offline)) => {
                progress(store.download().await?.map_or(0.0, held_share), true);
                clock::sleep(std::time::Duration::from_millis(wait_ms)).await;
                wait_ms = (wait_ms * 2).min(30_000);
            }
            other => break other?,
        }
    };
    let bytes = store.download_bytes(done).await?;
    let manifest = match Manifest::decode(&bytes) {
        Ok(m) if m.event.id == pairing.event => m,
        // Damaged or foreign bytes are not kept: the next try starts again from zero.
        Ok(_) => return Err(drop_download(store, "it is for another event").await),
        Err(e) => return Err(drop_download(store, &e.to_string()).await),
    };
    let cursors = Cursors { revision: manifest.revision, seq: 0, synced_at: now_ms() };
    store.finish_download(done, &bytes, cursors).await?;
    Ok((manifest, cursors))
}

fn held_share(d: Download) -> f64 {
    if d.total == 0 {
        0.0
    } else {
        (d.held as f64 / d.total as f64).min(1.0)
    }
}

async fn drop_download(store: &Store, why: &str) -> DeviceError {
    match store.drop_download().await {
        Ok(()) => DeviceError::BadManifest(why.into()),
        Err(e) => e.into(),
    }
}

/// One request for what is not kept yet; every part that arrives is kept, also when the
/// connection then drops (that is `NetError::Offline`, after the keeping).
async fn download_rest(
    store: &Store,
    pairing: &Pairing,
    progress: &dyn Fn(f64, bool),
) -> Result<Download, DeviceError> {
    let kept = store.download().await?.filter(|d| d.held > 0);
    let path = match kept {
        Some(d) => format!("/api/manifest?since=0&from={}&revision={}", d.held, d.revision),
        None => "/api/manifest?since=0".to_string(),
    };
    let (headers, body) = net::open_get(&path, &pairing.device_token, MEDIA_TYPE).await?;
    let header = |name| net::header_u64(&headers, name).ok_or(NetError::BadAnswer);
    let (total, revision, from) = (header("x-ingia-length")?, header("x-ingia-revision")?, header("x-ingia-from")?);
    let mut d = match kept {
        Some(d) if from > 0 && from == d.held && revision == d.revision && total == d.total => d,
        _ if from == 0 => Download { revision, total, parts: 0, held: 0 },
        _ => return Err(NetError::BadAnswer.into()),
    };
    let mut part = Vec::new();
    let read = loop {
        match body.chunk_within(30_000).await {
            Ok(Some(chunk)) => {
                part.extend(chunk);
                progress(held_share(Download { held: d.held + part.len() as u64, ..d }), false);
                if part.len() >= PART {
                    d = store.keep_download_part(d, &part).await?;
                    part.clear();
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    if !part.is_empty() {
        d = store.keep_download_part(d, &part).await?;
    }
    read?;
    match d.held.cmp(&d.total) {
        // Closed before the end: as a dropped connection.
        std::cmp::Ordering::Less => Err(NetError::Offline.into()),
        std::cmp::Ordering::Equal => Ok(d),
        std::cmp::Ordering::Greater => Err(drop_download(store, "it is longer than announced").await),
    }
}
