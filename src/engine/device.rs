//! The paired device's data: pairing (a one-time code for a device token), the manifest
//! download with progress, and loading both back from IndexedDB at start.
//! Invariant: the device token is stored the moment the server hands it out (pairing codes work
//! once), before anything else can fail; the manifest and its cursors are stored together.

use ingia_core::{DeviceId, EventId, GateId, Manifest, Role};

use crate::io::net::{self, field_f64, field_str, NetError};
use crate::io::store::{Cursors, Pairing, Store, StoreError};

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
    let manifest = store.manifest().await?.and_then(|bytes| Manifest::decode(&bytes).ok());
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

/// Downloads the full manifest, reporting progress in 0..=1 (or `None` while the size is not
/// known), checks it is this device's event, and stores it with its cursor.
pub async fn download_manifest(
    store: &Store,
    pairing: &Pairing,
    now_ms: u64,
    progress: &dyn Fn(Option<f64>),
) -> Result<(Manifest, Cursors), DeviceError> {
    let reply = net::get_bytes(
        "/api/manifest?since=0",
        Some(&pairing.device_token),
        &|got, total| progress(total.filter(|t| *t > 0).map(|t| (got as f64 / t as f64).min(1.0))),
        None,
    )
    .await?;
    let manifest = Manifest::decode(&reply.body).map_err(|e| DeviceError::BadManifest(e.to_string()))?;
    if manifest.event.id != pairing.event {
        return Err(DeviceError::BadManifest("it is for another event".into()));
    }
    let cursors = Cursors { revision: manifest.revision, seq: 0, synced_at: now_ms };
    store.set_manifest(&reply.body, cursors).await?;
    Ok((manifest, cursors))
}
