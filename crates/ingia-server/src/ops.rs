//! What an operator's tools ask of a running server: `/healthz` (the process answers),
//! `/readyz` (and its database does), and `/metrics` in Prometheus' text format (through the
//! `prometheus-client` crate). Counters are this instance's (Prometheus sums the instances);
//! the gauges read from the database are the whole deployment's.
//!
//! `/metrics` tells how busy each gate is: it answers a client on this machine (loopback), or
//! anyone with `Authorization: Bearer <INGIA_METRICS_TOKEN>` when that token is set.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ingia_core::conflict::ItemResult;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::Row;

use crate::api::AppState;
use crate::error::{Error, Result};
use crate::util::{now_ms, secret_hash};

/// How long `/readyz` waits for the database.
const READY_WITHIN: Duration = Duration::from_secs(2);
/// A device's last contact is kept to the minute (`devices::touch`): "in contact" is two.
const CONTACT_WINDOW_MS: u64 = 120_000;
/// The SMS outbox states worth watching (sent and delivered only grow).
const SMS_STATES: [&str; 3] = ["queued", "sending", "failed"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SmsState {
    state: &'static str,
}

/// This instance's metrics.
pub struct Metrics {
    registry: Registry,
    checkins: Family<Outcome, Counter>,
    resent: Counter,
    sync_seconds: Histogram,
    in_contact: Gauge,
    streams: Gauge,
    sms: Family<SmsState, Gauge>,
    /// The metrics token's hash (compared as hashes: no early exit on a secret's bytes).
    token_hash: Option<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").field("token", &self.token_hash.is_some()).finish_non_exhaustive()
    }
}

impl Metrics {
    /// `token`: INGIA_METRICS_TOKEN, which lets a scraper on another machine in.
    pub fn new(token: Option<&str>) -> Self {
        let mut registry = Registry::with_prefix("ingia");
        let checkins = Family::<Outcome, Counter>::default();
        registry.register(
            "checkins",
            "Check-ins decided by this instance's syncs, by outcome (accepted, conflict, recorded, unknown, revoked, doubted, annulled)",
            checkins.clone(),
        );
        let resent = Counter::default();
        registry.register(
            "checkins_resent",
            "Check-ins a device sent again after they were decided (its earlier answer was lost)",
            resent.clone(),
        );
        // 1 ms to about 16 s.
        let sync_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register("sync_duration_seconds", "Time to answer a device's check-in sync", sync_seconds.clone());
        let in_contact = Gauge::default();
        registry.register(
            "devices_in_contact",
            "Devices that reached any instance in the last two minutes",
            in_contact.clone(),
        );
        let streams = Gauge::default();
        registry.register("live_streams", "Live streams open on this instance (gates and dashboards)", streams.clone());
        let sms = Family::<SmsState, Gauge>::default();
        registry.register("sms_outbox", "Texts in the SMS outbox, by state (queued, sending, failed)", sms.clone());
        Metrics {
            registry,
            checkins,
            resent,
            sync_seconds,
            in_contact,
            streams,
            sms,
            token_hash: token.filter(|t| !t.is_empty()).map(secret_hash),
        }
    }

    /// Counts one answered sync: its items by outcome, and its time.
    pub fn synced(&self, results: &[ItemResult], started: Instant) {
        for r in results {
            if r.duplicate {
                self.resent.inc();
            } else {
                self.checkins.get_or_create(&Outcome { outcome: r.outcome.slug() }).inc();
            }
        }
        self.sync_seconds.observe(started.elapsed().as_secs_f64());
    }

    fn allowed(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        let offered = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| secret_hash(t.trim()));
        match (&self.token_hash, offered) {
            (Some(want), Some(got)) => *want == got,
            _ => peer.ip().is_loopback(),
        }
    }
}

/// `GET /healthz`: the process is up and answering.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: this instance can serve, its database answers (503 while it does not).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ping = sqlx::query("SELECT 1").fetch_one(&state.db.pool);
    match tokio::time::timeout(READY_WITHIN, ping).await {
        Ok(Ok(_)) => "ready\n".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database failed");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready: the database failed\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not ready: the database does not answer\n").into_response(),
    }
}

/// `GET /metrics`: Prometheus' text format, with the gauges read now.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response> {
    let m = &state.metrics;
    if !m.allowed(peer, &headers) {
        return Err(Error::Role("metrics answer this machine, or a scraper with INGIA_METRICS_TOKEN".into()));
    }
    let since = now_ms().saturating_sub(CONTACT_WINDOW_MS) as i64;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM devices WHERE revoked_at IS NULL AND last_seen_at >= $1")
        .bind(since)
        .fetch_one(&state.db.pool)
        .await?;
    m.in_contact.set(row.try_get::<i64, _>("n")?);
    m.streams.set(state.db.live.streams() as i64);
    let rows =
        sqlx::query("SELECT state, COUNT(*) AS n FROM sms_outbox GROUP BY state").fetch_all(&state.db.pool).await?;
    for s in SMS_STATES {
        let n = rows.iter().find(|r| r.try_get::<String, _>("state").is_ok_and(|x| x == s));
        m.sms.get_or_create(&SmsState { state: s }).set(n.map(|r| r.try_get::<i64, _>("n")).transpose()?.unwrap_or(0));
    }
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|_| Error::Internal("metrics could not be written".into()))?;
    Ok(([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response())
}
