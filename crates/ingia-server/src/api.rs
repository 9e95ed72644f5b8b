//! The HTTP API (JSON, plus the binary manifest) and the static PWA. Every handler
//! authenticates first, then scopes everything to the caller's own event.
//! Routes are listed in docs/api.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ingia_core::conflict::ItemResult;
use ingia_core::exchange;
use ingia_core::{CheckIn, EventId, LedgerEntry, UnixMillis};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::devices::{self, DeviceAuth, Role};
use crate::error::{Error, Result};
use crate::ratelimit::{self, RateLimiter};
use crate::secrets::Keys;
use crate::util::now_ms;
use crate::{checkins, events, tickets};

/// Most records in one sync request.
pub const MAX_BATCH: usize = 500;
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The master key opens the tickets' sealed secrets (manifests, wallets, proofs); the
    /// issuing key, where this server has it, lets it create events and issue tickets.
    pub keys: Keys,
    pub limiter: Arc<RateLimiter>,
    pub static_dir: Option<PathBuf>,
    /// Rate limits on (always, in the server); the sync benchmark turns them off to measure
    /// the server and database rather than the limiter.
    pub rate_limits: bool,
    /// How long five wrong console passwords lock an account.
    pub signin_lock_ms: u64,
    /// The address attendees and phones reach this server at (links and pairing QR codes);
    /// without it, the address the console was opened at.
    pub public_url: Option<String>,
    /// Whether a mail sender runs (INGIA_SMTP_URL); without one, ticket mails wait queued.
    pub mail: bool,
    /// The path secret of the SMS provider's callbacks (INGIA_SMS_CALLBACK_SECRET); without it
    /// the callback routes are not found.
    pub sms_callback_secret: Option<String>,
    /// The shortcode attendees text CHECKIN to (INGIA_SMS_SHORTCODE).
    pub sms_shortcode: Option<String>,
    /// This instance's Prometheus metrics (`crate::ops`).
    pub metrics: Arc<crate::ops::Metrics>,
    /// Served over HTTPS: answers carry HSTS.
    pub https: bool,
    /// The Content Security Policy of the built app's pages (`crate::headers::app_csp`).
    pub app_csp: Option<HeaderValue>,
}

impl AppState {
    pub fn new(db: Db, keys: Keys, static_dir: Option<PathBuf>) -> Self {
        AppState {
            db,
            keys,
            limiter: Arc::new(RateLimiter::default()),
            static_dir: static_dir.clone(),
            rate_limits: true,
            signin_lock_ms: 15 * 60_000,
            public_url: None,
            mail: false,
            sms_callback_secret: None,
            sms_shortcode: None,
            metrics: Arc::new(crate::ops::Metrics::new(None)),
            https: false,
            app_csp: static_dir.as_deref().and_then(|d| HeaderValue::from_str(&crate::headers::app_csp(d)).ok()),
        }
    }

    /// The base of links this server hands out.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
        format!("http://{host}")
    }
}

pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/pair", post(pair))
        .route("/api/wallet", post(wallet))
        .route("/api/device", get(device))
        .route("/api/manifest", get(manifest))
        .route("/api/admissions", get(admissions))
        .route("/api/live", get(live))
        .route("/api/checkins", post(sync_checkins))
        .route("/api/stats", get(stats))
        .route("/api/conflicts", get(conflicts))
        .route("/api/devices/annul", post(annul))
        .route("/dashboard", get(dashboard))
        .route("/dashboard.css", get(|| crate::console::asset("text/css", include_str!("../static/dashboard.css"))))
        .route(
            "/dashboard.js",
            get(|| crate::console::asset("text/javascript", include_str!("../static/dashboard.js"))),
        )
        .route("/healthz", get(crate::ops::healthz))
        .route("/readyz", get(crate::ops::readyz))
        .route("/metrics", get(crate::ops::metrics))
        .merge(crate::shop::routes())
        .route("/api/v1/sms/{secret}/inbound", post(crate::sms::inbound::inbound_sms))
        .route("/api/v1/sms/{secret}/ussd", post(crate::sms::inbound::ussd))
        .route("/api/v1/sms/{secret}/delivery", post(crate::sms::inbound::delivery))
        .fallback(api_or_static)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The console sets its own body limits (a CSV upload is larger).
        .merge(crate::console::routes())
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(axum::middleware::map_response(enveloped))
        .layer(axum::middleware::map_response_with_state(state.clone(), crate::headers::secure));
    api.with_state(state)
}

/// The answers axum and tower-http make on their own (a body announced too large, a method a
/// route does not take) get the error envelope every other error has.
async fn enveloped(resp: Response) -> Response {
    let json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let error = match resp.status() {
        _ if json => return resp,
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
        _ => return resp,
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = error.into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// A serde message without the names of this program's types (`struct SyncRequest`, `u32`): the
/// field path and what was wrong stay.
pub fn plain_message(message: &str) -> String {
    let message = message.trim_start_matches("Failed to deserialize the JSON body into the target type: ");
    let mut out = Vec::new();
    let mut words = message.split(' ').peekable();
    while let Some(w) = words.next() {
        match w {
            "struct" | "enum" | "tuple" => {
                // "struct CheckIn" / "tuple struct X" / "enum Y": the kind of value, not its name.
                if w == "tuple" && words.peek() == Some(&"struct") {
                    words.next();
                }
                let name = words.next().unwrap_or_default();
                let tail: String = name.chars().skip_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push(format!("{}{tail}", if w == "enum" { "one of the allowed values" } else { "an object" }));
            }
            _ => {
                let core = w.trim_end_matches([',', '.', ')', ';']);
                let tail = &w[core.len()..];
                let plain = match core {
                    "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => "a whole number in range",
                    "f32" | "f64" => "a number",
                    "bool" => "true or false",
                    other => other,
                };
                out.push(format!("{plain}{tail}"));
            }
        }
    }
    out.join(" ")
}

// ----- extractors -----

/// JSON body whose rejections (bad JSON, unknown fields, too large) become our error type.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Error::TooLarge),
            Err(rej) => Err(Error::BadRequest(format!("bad JSON body: {}", plain_message(&rej.body_text())))),
        }
    }
}

/// A request's whole body; too large is `TooLarge`, anything else `unreadable`.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S, unreadable: &str) -> Result<axum::body::Bytes> {
    axum::body::Bytes::from_request(req, state).await.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::TooLarge
        } else {
            Error::BadRequest(unreadable.into())
        }
    })
}

fn bearer(parts: &Parts) -> Result<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(Error::Unauthorized)
}

/// A paired, unrevoked device.
pub struct Device(pub DeviceAuth);

impl FromRequestParts<AppState> for Device {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer(parts)?;
        if !token.starts_with("ingd_") {
            return Err(Error::Unauthorized);
        }
        devices::authenticate(&state.db, token).await.map(Device)
    }
}

/// A device or the event's organizer (dashboard).
pub enum Caller {
    Device(DeviceAuth),
    Organizer(EventId),
}

impl Caller {
    fn event(&self) -> EventId {
        match self {
            Caller::Device(d) => d.event,
            Caller::Organizer(e) => *e,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer(parts)?;
        if token.starts_with("ingo_") {
            return devices::authenticate_organizer(&state.db, token).await.map(Caller::Organizer);
        }
        Device::from_request_parts(parts, state).await.map(|d| Caller::Device(d.0))
    }
}

fn limit(state: &AppState, key: String, l: ratelimit::Limit) -> Result<()> {
    if !state.rate_limits {
        return Ok(());
    }
    state.limiter.check(&key, l).map_err(Error::RateLimited)
}

// ----- handlers -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairRequest {
    code: String,
    #[serde(default)]
    name: String,
}

#[derive(Serialize)]
struct PairResponse {
    device_token: String,
    device_id: u32,
    event_id: String,
    gate: u8,
    role: Role,
    server_time: u64,
}

async fn pair(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<PairRequest>,
) -> Result<axum::Json<PairResponse>> {
    let name: String = req.name.chars().filter(|c| !c.is_control()).take(60).collect();
    if req.code.len() > 100 {
        return Err(Error::BadRequest("that is not a pairing code".into()));
    }
    // Only wrong codes count against an address: a venue's stewards share one, and a guesser
    // there must not lock them out. A code has 256 random bits, so the guesser never gets one
    // right; the limit keeps them from loading the server.
    let (auth, token) = match devices::redeem(&state.db, req.code.trim(), &name).await {
        Err(Error::PairingCode) => {
            limit(&state, format!("ip:{}:pair", addr.ip()), ratelimit::PAIR_PER_IP)?;
            return Err(Error::PairingCode);
        }
        other => other?,
    };
    Ok(axum::Json(PairResponse {
        device_token: token,
        device_id: auth.device.0,
        event_id: auth.event.0.to_string(),
        gate: auth.gate.0,
        role: auth.role,
        server_time: now_ms(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletRequest {
    token: String,
}

async fn wallet(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<WalletRequest>,
) -> Result<Response> {
    let wrong = |state: &AppState| -> Result<Response> {
        limit(state, format!("ip:{}:wallet", addr.ip()), ratelimit::WALLET_PER_IP)?;
        Err(Error::NotFound("ticket"))
    };
    if req.token.len() > 100 {
        return wrong(&state);
    }
    // As for pairing: only unknown links count against an address (an event's attendees share
    // the venue's).
    let ticket = match tickets::wallet(&state.db, &state.keys.master, req.token.trim()).await {
        Err(Error::NotFound(_)) => return wrong(&state),
        other => other?,
    };
    let mut resp = axum::Json(ticket).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Serialize)]
struct DeviceInfo {
    device_id: u32,
    event_id: String,
    event_name: String,
    gate: u8,
    gate_name: String,
    role: Role,
    server_time: u64,
}

async fn device(State(state): State<AppState>, Device(auth): Device) -> Result<axum::Json<DeviceInfo>> {
    let (m, _) = events::load_header(&state.db, auth.event).await?;
    Ok(axum::Json(DeviceInfo {
        device_id: auth.device.0,
        event_id: auth.event.0.to_string(),
        event_name: m.event.name.clone(),
        gate: auth.gate.0,
        gate_name: m.gate(auth.gate).map(|g| g.name.clone()).unwrap_or_default(),
        role: auth.role,
        server_time: now_ms(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Since {
    #[serde(default)]
    since: u64,
    #[serde(default)]
    limit: Option<u32>,
    /// The device's report on its admissions pull: records not yet synced, its app build.
    #[serde(default)]
    pending: Option<u32>,
    #[serde(default)]
    build: Option<String>,
    /// A full download resumed (`since=0` only): the bytes already held, of the manifest at
    /// `revision`.
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    revision: Option<u64>,
}

async fn manifest(
    State(state): State<AppState>,
    Device(auth): Device,
    q: std::result::Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Ok(Query(q)) = q else { return Err(Error::BadRequest("`since` must be a revision number".into())) };
    limit(&state, format!("device:{}:read", auth.device), ratelimit::READ_PER_DEVICE)?;
    let delta = events::manifest_delta(
        &state.db,
        &state.keys.master,
        auth.event,
        q.since,
        events::ManifestForm::for_role(auth.role),
    )
    .await?;
    let mut bytes = delta.encode();
    let len = bytes.len();
    // A download resumed where the connection dropped: the rest of the same bytes (the encoding
    // of one revision in one form is the same every time), or all of them again from 0 when the
    // manifest has moved on since (the answer's `x-ingia-from` says which).
    let from = match (q.from, q.revision) {
        (None, None) => 0,
        (Some(from), Some(revision)) if q.since == 0 => {
            if from > len as u64 {
                return Err(Error::BadRequest("`from` is past the end of the manifest".into()));
            }
            if revision == delta.revision {
                from as usize
            } else {
                0
            }
        }
        _ => return Err(Error::BadRequest("`from` and `revision` go together, with `since=0`".into())),
    };
    bytes.drain(..from);
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    // The whole manifest's uncompressed length, for the device's progress bar (Content-Length is
    // the gzip size of this part).
    h.insert("x-ingia-length", HeaderValue::from(len));
    h.insert("x-ingia-from", HeaderValue::from(from));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert("x-ingia-revision", HeaderValue::from(delta.revision));
    // The gate the device scans at now (an organizer may have moved it).
    h.insert("x-ingia-gate", HeaderValue::from(u16::from(auth.gate.0)));
    h.insert("x-ingia-server-time", HeaderValue::from(now_ms()));
    Ok(resp)
}

/// Whether the client asked for the binary sync encoding (`ingia_core::exchange`): it sends
/// `Content-Type` or `Accept: application/octet-stream`; JSON otherwise (tools, tests).
fn wants_binary(headers: &axum::http::HeaderMap, name: header::HeaderName) -> bool {
    headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(exchange::MEDIA_TYPE))
}

fn binary(bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(exchange::MEDIA_TYPE));
    resp
}

#[derive(Serialize)]
struct AdmissionsResponse {
    server_time: u64,
    seq: u64,
    admissions: Vec<LedgerEntry>,
}

async fn admissions(
    State(state): State<AppState>,
    Device(auth): Device,
    headers: axum::http::HeaderMap,
    q: std::result::Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Ok(Query(q)) = q else { return Err(Error::BadRequest("`since` must be a sequence number".into())) };
    limit(&state, format!("device:{}:read", auth.device), ratelimit::READ_PER_DEVICE)?;
    if let Some(pending) = q.pending {
        devices::report(&state.db, auth.device, pending, q.build.as_deref().unwrap_or("")).await?;
    }
    let page = q.limit.unwrap_or(5_000).clamp(1, 5_000);
    let (admissions, seq) = checkins::admissions_since(&state.db, auth.event, q.since, page).await?;
    let server_time = now_ms();
    let mut resp = if wants_binary(&headers, header::ACCEPT) {
        binary(exchange::encode_admissions(UnixMillis(server_time), seq, &admissions))
    } else {
        axum::Json(AdmissionsResponse { server_time, seq, admissions }).into_response()
    };
    // A gate that sees this change sends its settled records again (`crate::backup`).
    let epoch = crate::backup::epoch(&state.db).await?;
    resp.headers_mut().insert(crate::backup::EPOCH_HEADER, HeaderValue::from(epoch));
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    since: Option<u64>,
}

/// The live stream (`crate::live`): admissions after `since`, or after the `Last-Event-ID` a
/// reconnecting client sends, then each as it is accepted.
async fn live(
    State(state): State<AppState>,
    Device(auth): Device,
    headers: axum::http::HeaderMap,
    q: std::result::Result<Query<LiveQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Ok(Query(q)) = q else { return Err(Error::BadRequest("`since` must be a sequence number".into())) };
    limit(&state, format!("device:{}:read", auth.device), ratelimit::READ_PER_DEVICE)?;
    let resumed = headers.get("last-event-id").map(|v| {
        v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()).ok_or(Error::BadRequest("bad Last-Event-ID".into()))
    });
    let since = match resumed {
        Some(r) => r?,
        None => q.since.unwrap_or(0),
    };
    let mut resp = crate::live::stream(state.db.clone(), auth.device, auth.event, auth.gate, since).into_response();
    // Proxies that buffer (nginx) pass the stream through as it is written.
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    pub records: Vec<CheckIn>,
}

/// A push of check-ins: binary (`ingia_core::exchange`, what the scanner sends) or JSON.
pub struct SyncBody {
    records: Vec<CheckIn>,
    binary: bool,
}

impl<S: Send + Sync> FromRequest<S> for SyncBody {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self> {
        if !wants_binary(req.headers(), header::CONTENT_TYPE) {
            let ApiJson(body) = ApiJson::<SyncRequest>::from_request(req, state).await?;
            return Ok(SyncBody { records: body.records, binary: false });
        }
        let bytes = read_body(req, state, "the body could not be read").await?;
        let records = exchange::decode_checkins(&bytes).map_err(|e| match e {
            ingia_core::wire::WireError::BadValue("exchange version") => {
                Error::BadRequest("this scanner app is older than the server: reload it to update".into())
            }
            e => Error::BadRequest(format!("bad check-in batch: {e}")),
        })?;
        Ok(SyncBody { records, binary: true })
    }
}

#[derive(Serialize, Deserialize)]
pub struct SyncResponse {
    pub server_time: u64,
    pub results: Vec<ItemResult>,
}

async fn sync_checkins(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Device(auth): Device,
    req: SyncBody,
) -> Result<Response> {
    let started = std::time::Instant::now();
    limit(&state, format!("device:{}:sync", auth.device), ratelimit::SYNC_PER_DEVICE)?;
    limit(&state, format!("ip:{}:sync", addr.ip()), ratelimit::SYNC_PER_IP)?;
    if req.records.len() > MAX_BATCH {
        return Err(Error::BadRequest(format!("at most {MAX_BATCH} check-ins per request")));
    }
    let now = now_ms();
    for r in &req.records {
        if let Err(e) = checkins::check_record(&auth, r) {
            if matches!(e, Error::Forbidden) {
                let detail = format!(
                    "device {} sent a check-in for device {} event {} gate {}",
                    auth.device, r.device, r.event, r.gate
                );
                crate::audit::record(
                    &state.db,
                    Some(auth.event),
                    &format!("device {}", auth.device),
                    "sync.refused",
                    &detail,
                )
                .await?;
            }
            return Err(e);
        }
    }
    let mut results = Vec::with_capacity(req.records.len());
    for r in &req.records {
        results.push(checkins::submit(&state.db, &state.keys.master, &auth, r, now).await?);
    }
    let server_time = now_ms();
    state.metrics.synced(&results, started);
    if req.binary {
        return Ok(binary(exchange::encode_results(UnixMillis(server_time), &results)));
    }
    Ok(axum::Json(SyncResponse { server_time, results }).into_response())
}

async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    if let Caller::Device(d) = &caller {
        if d.role == Role::Kiosk {
            return Err(Error::Forbidden);
        }
    }
    let s = checkins::stats(&state.db, caller.event(), now_ms()).await?;
    Ok(axum::Json(s).into_response())
}

async fn conflicts(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    if let Caller::Device(d) = &caller {
        if d.role != Role::Supervisor {
            return Err(Error::Forbidden);
        }
    }
    Ok(axum::Json(checkins::conflicts(&state.db, caller.event()).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnulRequest {
    device: u32,
    /// Unix ms: every admission the device made from then on is annulled.
    since_ms: u64,
}

/// The organizer's one action against a stolen device: revoke it (if it is not yet) and annul
/// every admission it made since a chosen time; the gates learn it at their next pull.
async fn annul(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<AnnulRequest>) -> Result<Response> {
    let Caller::Organizer(event) = caller else { return Err(Error::Forbidden) };
    let device = ingia_core::DeviceId(req.device);
    match devices::revoke(&state.db, "organizer link", event, device).await {
        Ok(()) | Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let annulled = checkins::annul(&state.db, event, device, req.since_ms, now_ms()).await?;
    Ok(axum::Json(serde_json::json!({ "device": req.device, "annulled": annulled })).into_response())
}

async fn dashboard(headers: axum::http::HeaderMap) -> Response {
    let mut resp = Html(dashboard_page(crate::console::chosen_language(&headers))).into_response();
    resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::headers::OWN_PAGE_CSP));
    resp
}

/// The organizer's token dashboard in `lang`: its `{{key}}` marks filled with the catalogue's
/// sentences, escaped (the script reads its own from the page's data- attributes).
fn dashboard_page(lang: ingia_core::Lang) -> String {
    use maud::html;
    let t = lang.console();
    let markup = |s: &str| html! { (s) }.into_string().replace('"', "&quot;");
    let counts = crate::console::say(
        t.dash_counts,
        &[
            ("conflicts", html! { span #conflicts { "–" } }),
            ("doubted", html! { span #doubted { "–" } }),
            ("updated", html! { span #updated { (t.never) } }),
        ],
    );
    let words: Vec<(&str, String)> = vec![
        ("lang", lang.tag().into()),
        ("dir", (if lang.rtl() { "rtl" } else { "ltr" }).into()),
        ("dash_counts", counts.into_string()),
        ("dash_title", markup(t.dash_title)),
        ("none", markup(t.none)),
        ("dash_open_link", markup(t.dash_open_link)),
        ("dash_offline", markup(t.dash_offline)),
        ("dash_no_admissions", markup(t.dash_no_admissions)),
        ("dash_annul_confirm", markup(t.dash_annul_confirm)),
        ("dash_working", markup(t.dash_working)),
        ("dash_annulled", markup(t.dash_annulled)),
        ("dash_annul_offline", markup(t.dash_annul_offline)),
        ("alerts", markup(t.alerts)),
        ("dash_device", markup(t.dash_device)),
        ("dash_since", markup(t.dash_since)),
        ("dash_annul", markup(t.dash_annul)),
        ("gate", markup(t.gate)),
        ("admitted", markup(t.admitted)),
        ("refused", markup(t.refused)),
        ("dash_per_minute", markup(t.dash_per_minute)),
    ];
    let mut page = include_str!("../static/dashboard.html").to_string();
    for (key, value) in &words {
        page = page.replace(&format!("{{{{{key}}}}}"), value);
    }
    page
}

/// Unknown `/api/...` paths get a JSON 404; everything else is the PWA (with a fallback per page).
async fn api_or_static(State(state): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return Error::NotFound("API route").into_response();
    }
    let Some(dir) = state.static_dir.clone() else {
        return (StatusCode::NOT_FOUND, "the scanner app is not built (run scripts/run.sh)").into_response();
    };
    // The build leaves `.br` and `.gz` beside each file (scripts/sw_version.py): phones get the
    // brotli -q 11 bytes, 20% fewer than on-the-fly gzip, with no compression work per request.
    // Each page of the app is its own html (and wasm module): the wallet and the kiosk at their
    // paths; every other path (`/`, `/pair`) is the scanner.
    let page = match req.uri().path().trim_end_matches('/') {
        "/wallet" => "wallet.html",
        "/kiosk" => "kiosk.html",
        _ => "index.html",
    };
    let index = tower_http::services::ServeFile::new(dir.join(page)).precompressed_br().precompressed_gzip();
    let service = tower_http::services::ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index);
    match tower::ServiceExt::oneshot(service, req).await {
        Ok(resp) => resp.into_response(),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod dashboard_tests {
    #[test]
    fn the_token_dashboard_has_every_word_in_every_language() {
        for lang in ingia_core::Lang::ALL {
            let page = super::dashboard_page(lang);
            assert!(!page.contains("{{"), "{lang:?}: a mark is left unfilled");
            assert!(page.contains(&format!(r#"<html lang="{}""#, lang.tag())));
            assert!(page.contains(r#"<span id="updated">"#) && page.contains(r#"<span id="conflicts">"#));
        }
    }
}
