//! The audit log of actions that are not scans (scans are audited in `checkins`): pairing,
//! revocation, refused requests, console members' actions. Never holds a secret.

use ingia_core::EventId;
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::Result;
use crate::util::now_ms;

pub async fn record(db: &Db, event: Option<EventId>, actor: &str, action: &str, detail: &str) -> Result<()> {
    insert(db, None, event, actor, action, detail).await
}

/// An organization's own action (members, invites), or an event's named with its organization.
pub async fn record_org(
    db: &Db,
    org: i64,
    event: Option<EventId>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    insert(db, Some(org), event, actor, action, detail).await
}

async fn insert(
    db: &Db,
    org: Option<i64>,
    event: Option<EventId>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (org_id, event_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(org)
        .bind(event.map(event_key))
        .bind(now_ms() as i64)
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub struct Entry {
    pub at: u64,
    pub event: Option<EventId>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The newest `limit` entries of an organization: its own and its events'.
pub async fn of_org(db: &Db, org: i64, event: Option<EventId>, limit: u32) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT at, event_id, actor, action, detail FROM audit_log WHERE (org_id = $1 OR event_id IN \
         (SELECT id FROM events WHERE org_id = $1)) AND ($2 = 0 OR event_id = $3) ORDER BY id DESC LIMIT $4",
    )
    .bind(org)
    .bind(i64::from(event.is_some()))
    .bind(event.map(event_key).unwrap_or(0))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get::<i64, _>("at")? as u64,
                event: r.try_get::<Option<i64>, _>("event_id")?.map(|e| EventId(e as u64)),
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
