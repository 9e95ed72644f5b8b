//! Scanner devices: one-time pairing codes, device tokens scoped to one event and one gate,
//! revocation, and the lookup every API call starts with.
//! Invariant: the event a device acts on comes from its token, never from the request.

pub use ingia_core::Role;
use ingia_core::{DeviceId, EventId, GateId, Source};
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::util::{new_secret, now_ms, secret_hash};

/// A role as the database stores it (its core slug).
fn stored_role(s: &str) -> Result<Role> {
    Role::from_slug(s).ok_or_else(|| Error::Internal(format!("unknown stored role {s}")))
}

/// Who is calling, established from a device token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceAuth {
    pub device: DeviceId,
    pub event: EventId,
    pub gate: GateId,
    pub role: Role,
    /// The gate it was moved from, and when (Unix ms), if the organizer moved it.
    pub moved: Option<(GateId, u64)>,
    /// The event's SMS and USSD channel: never paired, no token; only the server speaks for it.
    pub phone: bool,
}

impl DeviceAuth {
    /// Who made the records this caller sends, as core's checks name it.
    pub fn source(&self) -> Source {
        if self.phone {
            Source::Phone
        } else {
            Source::Gate(self.role)
        }
    }
}

pub struct Pairing {
    pub device: DeviceId,
    /// One-time code for the pairing link; only its hash is stored.
    pub code: String,
    pub expires_at: u64,
}

/// Finds a gate by name (case-insensitive) or number.
pub async fn find_gate(db: &Db, event: EventId, gate: &str) -> Result<GateId> {
    let rows = sqlx::query("SELECT gate_id, name FROM gates WHERE event_id = $1")
        .bind(event_key(event))
        .fetch_all(&db.pool)
        .await?;
    for r in &rows {
        let id: i64 = r.try_get("gate_id")?;
        let name: String = r.try_get("name")?;
        if name.eq_ignore_ascii_case(gate.trim()) || id.to_string() == gate.trim() {
            return Ok(GateId(id as u8));
        }
    }
    let names: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String, _>("name").ok()).collect();
    Err(Error::BadRequest(format!("the event has no gate `{gate}` (it has: {})", names.join(", "))))
}

pub async fn create_pairing(
    db: &Db,
    actor: &str,
    event: EventId,
    gate: GateId,
    role: Role,
    ttl_ms: u64,
) -> Result<Pairing> {
    crate::events::require_event(db, event).await?;
    let code = new_secret("ingp");
    let expires_at = now_ms() + ttl_ms;
    let id: i64 = sqlx::query(
        "INSERT INTO devices (event_id, gate_id, role, pairing_hash, pairing_expires, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(event_key(event))
    .bind(i64::from(gate.0))
    .bind(role.slug())
    .bind(secret_hash(&code))
    .bind(expires_at as i64)
    .bind(now_ms() as i64)
    .fetch_one(&db.pool)
    .await?
    .try_get("id")?;
    let device = DeviceId(u32::try_from(id).map_err(|_| Error::Internal("device ids exhausted".into()))?);
    crate::audit::record(
        db,
        Some(event),
        actor,
        "device.pair",
        &format!("device {device} gate {gate} {}", role.slug()),
    )
    .await?;
    Ok(Pairing { device, code, expires_at })
}

/// Exchanges a pairing code (once) for a device token.
pub async fn redeem(db: &Db, code: &str, name: &str) -> Result<(DeviceAuth, String)> {
    let token = new_secret("ingd");
    let row = sqlx::query(
        "UPDATE devices SET token_hash = $1, pairing_hash = NULL, paired_at = $2, name = $3 \
         WHERE pairing_hash = $4 AND pairing_expires > $2 AND revoked_at IS NULL \
         RETURNING id, event_id, gate_id, role, moved_from, moved_at",
    )
    .bind(secret_hash(&token))
    .bind(now_ms() as i64)
    .bind(name)
    .bind(secret_hash(code))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        crate::audit::record(db, None, "anonymous", "device.pair.refused", "unknown, used or expired pairing code")
            .await?;
        return Err(Error::PairingCode);
    };
    let auth = auth_from_row(&row)?;
    crate::audit::record(db, Some(auth.event), &format!("device {}", auth.device), "device.paired", name).await?;
    Ok((auth, token))
}

fn auth_from_row(row: &sqlx::any::AnyRow) -> Result<DeviceAuth> {
    Ok(DeviceAuth {
        device: DeviceId(row.try_get::<i64, _>("id")? as u32),
        event: EventId(row.try_get::<i64, _>("event_id")? as u64),
        gate: GateId(row.try_get::<i64, _>("gate_id")? as u8),
        role: stored_role(&row.try_get::<String, _>("role")?)?,
        moved: match (row.try_get::<Option<i64>, _>("moved_from")?, row.try_get::<Option<i64>, _>("moved_at")?) {
            (Some(g), Some(at)) => Some((GateId(g as u8), at.max(0) as u64)),
            _ => None,
        },
        // A paired device; the phone channel has no token to be looked up by.
        phone: false,
    })
}

pub async fn revoke(db: &Db, actor: &str, event: EventId, device: DeviceId) -> Result<()> {
    let done = sqlx::query(
        "UPDATE devices SET revoked_at = $1, pairing_hash = NULL WHERE id = $2 AND event_id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms() as i64)
    .bind(i64::from(device.0))
    .bind(event_key(event))
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("active device of this event"));
    }
    db.live.revoked(device);
    db.wake(event).await;
    crate::audit::record(db, Some(event), actor, "device.revoke", &format!("device {device}")).await
}

/// Every device request starts here; it also keeps the device's last contact (to the minute,
/// so a busy gate does not write on every request).
pub async fn authenticate(db: &Db, token: &str) -> Result<DeviceAuth> {
    let row = sqlx::query(
        "SELECT id, event_id, gate_id, role, revoked_at, last_seen_at, moved_from, moved_at FROM devices \
             WHERE token_hash = $1",
    )
    .bind(secret_hash(token))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::Unauthorized)?;
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        return Err(Error::Revoked);
    }
    let auth = auth_from_row(&row)?;
    touch(db, auth.device, row.try_get("last_seen_at")?).await?;
    Ok(auth)
}

/// A device holding the live stream is in contact: its last contact kept (to the minute), or
/// `Revoked` once the organizer revoked it (the stream then ends).
pub async fn still_in_contact(db: &Db, device: DeviceId) -> Result<()> {
    let row = sqlx::query("SELECT revoked_at, last_seen_at FROM devices WHERE id = $1")
        .bind(i64::from(device.0))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::Unauthorized)?;
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        return Err(Error::Revoked);
    }
    touch(db, device, row.try_get("last_seen_at")?).await
}

async fn touch(db: &Db, device: DeviceId, last_seen: Option<i64>) -> Result<()> {
    let now = now_ms() as i64;
    if last_seen.is_none_or(|seen| now - seen >= 60_000) {
        sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(i64::from(device.0))
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// What a device reports on its pulls (written only when it changes).
pub async fn report(db: &Db, device: DeviceId, pending: u32, build: &str) -> Result<()> {
    let build: String = build.chars().filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c)).take(40).collect();
    sqlx::query(
        "UPDATE devices SET pending = $1, app_build = $2 WHERE id = $3 \
         AND (pending IS DISTINCT FROM $1 OR app_build IS DISTINCT FROM $2)",
    )
    .bind(i64::from(pending))
    .bind(build)
    .bind(i64::from(device.0))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A device as the organizer's list shows it.
pub struct Listed {
    pub device: DeviceId,
    pub name: String,
    pub gate: GateId,
    pub role: Role,
    /// Pending (a pairing not yet used, until when), paired, or revoked.
    pub state: DeviceState,
    pub last_seen_at: Option<u64>,
    /// The staff name on its latest synced scan.
    pub staff: Option<String>,
    /// Its check-ins the server holds.
    pub synced: u64,
    /// What it reported at its last pull: records not yet synced, its app build.
    pub pending: Option<u64>,
    pub app_build: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Waiting { expires_at: u64 },
    Expired,
    Paired,
    Revoked,
}

pub async fn list(db: &Db, event: EventId, now: u64) -> Result<Vec<Listed>> {
    let rows = sqlx::query(
        "SELECT d.id, d.name, d.gate_id, d.role, d.pairing_expires, d.paired_at, d.revoked_at, d.last_seen_at, \
         d.pending, d.app_build, \
         (SELECT c.staff FROM checkins c WHERE c.device_id = d.id ORDER BY c.at DESC LIMIT 1) AS staff, \
         (SELECT COUNT(*) FROM checkins c WHERE c.device_id = d.id) AS synced \
         FROM devices d WHERE d.event_id = $1 AND d.channel IS NULL ORDER BY d.id",
    )
    .bind(event_key(event))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let state = if r.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
                DeviceState::Revoked
            } else if r.try_get::<Option<i64>, _>("paired_at")?.is_some() {
                DeviceState::Paired
            } else {
                let expires_at = r.try_get::<Option<i64>, _>("pairing_expires")?.unwrap_or(0).max(0) as u64;
                if expires_at > now {
                    DeviceState::Waiting { expires_at }
                } else {
                    DeviceState::Expired
                }
            };
            Ok(Listed {
                device: DeviceId(r.try_get::<i64, _>("id")? as u32),
                name: r.try_get("name")?,
                gate: GateId(r.try_get::<i64, _>("gate_id")? as u8),
                role: stored_role(&r.try_get::<String, _>("role")?)?,
                state,
                last_seen_at: r.try_get::<Option<i64>, _>("last_seen_at")?.map(|t| t as u64),
                staff: r.try_get::<Option<String>, _>("staff")?.filter(|s| !s.is_empty()),
                synced: r.try_get::<i64, _>("synced")?.max(0) as u64,
                pending: r.try_get::<Option<i64>, _>("pending")?.map(|n| n.max(0) as u64),
                app_build: r.try_get::<Option<String>, _>("app_build")?.filter(|b| !b.is_empty()),
            })
        })
        .collect()
}

/// Moves a device to another gate of its event: it learns it at its next pull (the manifest
/// answer names its gate) and scans there from then on; what it recorded at the old gate before
/// the move stays its own.
pub async fn move_to(db: &Db, actor: &str, event: EventId, device: DeviceId, gate: GateId) -> Result<()> {
    let (header, _) = crate::events::load_header(db, event).await?;
    let name =
        header.gate(gate).map(|g| g.name.clone()).ok_or(Error::BadRequest("the event has no such gate".into()))?;
    let done = sqlx::query(
        "UPDATE devices SET moved_from = gate_id, moved_at = $1, gate_id = $2 WHERE id = $3 AND event_id = $4 \
         AND revoked_at IS NULL AND gate_id <> $2",
    )
    .bind(now_ms() as i64)
    .bind(i64::from(gate.0))
    .bind(i64::from(device.0))
    .bind(event_key(event))
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::BadRequest("that device is revoked, unknown, or already at that gate".into()));
    }
    crate::audit::record(db, Some(event), actor, "device.move", &format!("device {device} -> gate `{name}`")).await
}

/// Names a device for the organizer's list.
pub async fn rename(db: &Db, actor: &str, event: EventId, device: DeviceId, name: &str) -> Result<()> {
    let name: String = name.trim().chars().filter(|c| !c.is_control()).take(60).collect();
    let done = sqlx::query("UPDATE devices SET name = $1 WHERE id = $2 AND event_id = $3")
        .bind(&name)
        .bind(i64::from(device.0))
        .bind(event_key(event))
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("device of this event"));
    }
    crate::audit::record(db, Some(event), actor, "device.rename", &format!("device {device}: `{name}`")).await
}

/// The organizer's dashboard token (printed once by `event create`) -> its event.
pub async fn authenticate_organizer(db: &Db, token: &str) -> Result<EventId> {
    let row = sqlx::query("SELECT id FROM events WHERE organizer_token_hash = $1")
        .bind(secret_hash(token))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::Unauthorized)?;
    Ok(EventId(row.try_get::<i64, _>("id")? as u64))
}
