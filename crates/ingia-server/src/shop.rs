//! The ticket shop's API: per-organization API keys (scoped, revocable, kept as SHA-256) and the
//! JSON endpoints a shop calls to push each sale, idempotent on the shop's own ticket id.
//! Routes are listed in docs/api.md.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use ingia_core::EventId;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::api::{ApiJson, AppState};
use crate::attendees::{self, Attendee, Filter};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ratelimit;
use crate::util::{new_secret, now_ms, secret_hash};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Push sales (add or update attendees, issue their tickets).
    AttendeesWrite,
    /// Read the attendee list.
    AttendeesRead,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::AttendeesWrite, Scope::AttendeesRead];
    pub fn slug(self) -> &'static str {
        match self {
            Scope::AttendeesWrite => "attendees:write",
            Scope::AttendeesRead => "attendees:read",
        }
    }
    pub fn from_slug(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.slug() == s)
    }
}

pub struct Key {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub revoked: bool,
}

/// A new key for `org`: the secret is shown once, only its hash kept.
pub async fn create(db: &Db, org: i64, name: &str, scope: Scope, by: i64, actor: &str) -> Result<String> {
    let name = crate::console::accounts::clean_name("a key's name", name, 60)?;
    let secret = new_secret("ingk");
    sqlx::query(
        "INSERT INTO api_keys (org_id, name, scope, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org)
    .bind(&name)
    .bind(scope.slug())
    .bind(secret_hash(&secret))
    .bind(by)
    .bind(now_ms() as i64)
    .execute(&db.pool)
    .await?;
    crate::audit::record_org(db, org, None, actor, "api_key.create", &format!("`{name}` {}", scope.slug())).await?;
    Ok(secret)
}

pub async fn list(db: &Db, org: i64) -> Result<Vec<Key>> {
    let rows = sqlx::query(
        "SELECT id, name, scope, created_at, last_used_at, revoked_at FROM api_keys WHERE org_id = $1 ORDER BY id",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Key {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                scope: Scope::from_slug(&r.try_get::<String, _>("scope")?)
                    .ok_or_else(|| Error::Internal("unknown stored key scope".into()))?,
                created_at: r.try_get::<i64, _>("created_at")? as u64,
                last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(|t| t as u64),
                revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            })
        })
        .collect()
}

pub async fn revoke(db: &Db, org: i64, id: i64, actor: &str) -> Result<()> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
        .bind(now_ms() as i64)
        .bind(id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("active API key"));
    }
    crate::audit::record_org(db, org, None, actor, "api_key.revoke", &format!("key {id}")).await
}

/// A caller with a live API key.
pub struct ShopKey {
    pub id: i64,
    pub org: i64,
    pub scope: Scope,
}

impl ShopKey {
    fn actor(&self) -> String {
        format!("API key {}", self.id)
    }

    /// The event, if the key's organization owns it (else "not found": not told it exists).
    async fn event(&self, db: &Db, event: u64, need: Scope) -> Result<EventId> {
        if self.scope != need {
            return Err(Error::Role(format!("this key's scope is {}; this takes {}", self.scope.slug(), need.slug())));
        }
        let row = sqlx::query("SELECT org_id FROM events WHERE id = $1")
            .bind(event as i64)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(Error::NotFound("event"))?;
        if row.try_get::<Option<i64>, _>("org_id")? != Some(self.org) {
            return Err(Error::NotFound("event"));
        }
        Ok(EventId(event))
    }
}

impl FromRequestParts<AppState> for ShopKey {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with("ingk_") && t.len() < 100)
            .ok_or(Error::Unauthorized)?;
        let row = sqlx::query("SELECT id, org_id, scope, revoked_at, last_used_at FROM api_keys WHERE key_hash = $1")
            .bind(secret_hash(token))
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(Error::Unauthorized)?;
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Err(Error::Unauthorized);
        }
        let key = ShopKey {
            id: row.try_get("id")?,
            org: row.try_get("org_id")?,
            scope: Scope::from_slug(&row.try_get::<String, _>("scope")?)
                .ok_or_else(|| Error::Internal("unknown stored key scope".into()))?,
        };
        if state.rate_limits {
            state.limiter.check(&format!("key:{}", key.id), ratelimit::SHOP_PER_KEY).map_err(Error::RateLimited)?;
        }
        let now = now_ms() as i64;
        if row.try_get::<Option<i64>, _>("last_used_at")?.is_none_or(|t| now - t >= 60_000) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(key.id)
                .execute(&state.db.pool)
                .await?;
        }
        Ok(key)
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events/{event}/attendees", get(list_attendees))
        .route("/api/v1/events/{event}/attendees/{shop_id}", put(push))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sale {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    ticket_type: String,
    /// The attendee's language (a tag such as `fr`), else the event's.
    #[serde(default)]
    language: String,
    /// Issue the ticket at once (and queue its mail when there is an email).
    #[serde(default)]
    issue: bool,
}

#[derive(Serialize)]
struct Pushed {
    ticket: u32,
    created: bool,
    issued: bool,
}

async fn push(
    State(state): State<AppState>,
    key: ShopKey,
    Path((event, shop_id)): Path<(u64, String)>,
    ApiJson(sale): ApiJson<Sale>,
) -> Result<Response> {
    let event = key.event(&state.db, event, Scope::AttendeesWrite).await?;
    let a = Attendee {
        name: sale.name,
        email: sale.email,
        phone: sale.phone,
        ticket_type: sale.ticket_type,
        external_id: Some(shop_id),
        language: sale.language,
    };
    if sale.issue {
        // Refused before the sale is saved: the shop retries it whole on a server that issues.
        state.keys.issuing()?;
    }
    let actor = key.actor();
    let (ticket, created) = attendees::upsert(&state.db, event, &a, &actor).await?;
    let mut issued = attendees::one(&state.db, event, ticket).await?.issued;
    if sale.issue && !issued {
        crate::tickets::issue(&state.db, &state.keys, event, Some(ticket), &actor, true).await?;
        issued = true;
    }
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(Pushed { ticket: ticket.0, created, issued })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    offset: u32,
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Serialize)]
struct Listed {
    ticket: u32,
    shop_id: Option<String>,
    name: String,
    email: String,
    phone: String,
    ticket_type: String,
    /// `pending` (no ticket yet) or the ticket's status.
    status: String,
    checked_in: bool,
}

async fn list_attendees(
    State(state): State<AppState>,
    key: ShopKey,
    Path(event): Path<u64>,
    q: std::result::Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Ok(Query(q)) = q else { return Err(Error::BadRequest("`offset` and `limit` are whole numbers".into())) };
    let event = key.event(&state.db, event, Scope::AttendeesRead).await?;
    let (header, _) = crate::events::load_header(&state.db, event).await?;
    let limit = q.limit.unwrap_or(1000).clamp(1, 1000);
    let (rows, total) = attendees::list(&state.db, event, &Filter::default(), limit, q.offset).await?;
    let out: Vec<Listed> = rows
        .into_iter()
        .map(|a| Listed {
            ticket: a.ticket.0,
            shop_id: a.external_id,
            ticket_type: header
                .ticket_types
                .iter()
                .find(|t| t.id.0 == a.type_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            status: if a.issued { a.status } else { "pending".into() },
            checked_in: a.checked_in,
            name: a.name,
            email: a.email,
            phone: a.phone,
        })
        .collect();
    Ok(axum::Json(serde_json::json!({ "total": total, "attendees": out })).into_response())
}
