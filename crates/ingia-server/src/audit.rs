//! The audit log of actions that are not scans (scans are audited in `checkins`): pairing,
//! revocation, refused requests, organizer actions. Never holds a secret.

use ingia_core::EventId;

use crate::db::{event_key, Db};
use crate::error::Result;
use crate::util::now_ms;

pub async fn record(db: &Db, event: Option<EventId>, actor: &str, action: &str, detail: &str) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (event_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(event.map(event_key))
        .bind(now_ms() as i64)
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(&db.pool)
        .await?;
    Ok(())
}
