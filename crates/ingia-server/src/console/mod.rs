//! The organizer console: server-rendered pages under `/console` (html built with maud, escaped
//! by construction; one stylesheet, one small script; no WebAssembly), on the same functions
//! the CLI calls. docs/ARCHITECTURE.md says why server-rendered and what it weighs.
//!
//! Every request is checked here, not by hidden buttons: a session from the `__Host-ingia`
//! cookie (HttpOnly, Secure, SameSite=Strict), the member's role for what the handler does
//! (`accounts::require_event` / `require_org` with an `ingia_core::access::Need`), and for
//! every state change the origin (`Sec-Fetch-Site`, `Origin`) and the session's CSRF token.

pub mod accounts;
mod attendees;
mod devices;
mod events;
mod html;
mod keys;
mod live;
mod members;
pub mod when;

pub use html::{chosen as chosen_language, say};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::AppState;
use crate::error::Error;
use crate::util::now_ms;
use accounts::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(events::home))
        .route("/console/", get(events::home))
        .route("/console/signin", get(members::signin_page).post(members::signin))
        .route("/console/signout", post(members::signout))
        .route("/console/lang", post(set_language))
        .route("/console/join", get(members::join_page).post(members::join))
        .route("/console/orgs/{org}/members", get(members::members_page))
        .route("/console/orgs/{org}/invites", post(members::invite))
        .route("/console/orgs/{org}/members/{account}", post(members::change_member))
        .route("/console/orgs/{org}/audit", get(events::audit_page))
        .route("/console/orgs/{org}/keys", get(keys::keys_page).post(keys::create))
        .route("/console/orgs/{org}/keys/{key}/revoke", post(keys::revoke))
        .route("/console/orgs/{org}/events/new", get(events::new_page))
        .route("/console/orgs/{org}/events", post(events::create))
        .route("/console/events/{event}", get(events::event_page).post(events::update))
        .route("/console/events/{event}/live", get(live::live_page))
        .route("/console/events/{event}/live.json", get(live::live_json))
        .route("/console/events/{event}/live/stream", get(live::live_stream))
        .route("/console/events/{event}/report", get(live::report_page))
        .route("/console/events/{event}/report/hours.csv", get(live::hours_csv))
        .route("/console/events/{event}/report/no-shows.csv", get(live::no_shows_csv))
        .route("/console/events/{event}/report/attendance.csv", get(live::attendance_csv))
        .route("/console/events/{event}/report/scans.csv", get(live::scans_csv))
        .route("/console/events/{event}/devices", get(devices::list_page).post(devices::pair))
        .route("/console/events/{event}/devices/{device}/rename", post(devices::rename))
        .route("/console/events/{event}/devices/{device}/move", post(devices::move_to))
        .route("/console/events/{event}/devices/{device}/revoke", post(devices::revoke))
        .route("/console/events/{event}/attendees", get(attendees::list_page).post(attendees::add))
        .route("/console/events/{event}/attendees/{ticket}", get(attendees::attendee_page).post(attendees::edit))
        .route("/console/events/{event}/attendees/{ticket}/status", post(attendees::set_status))
        .route("/console/events/{event}/attendees/{ticket}/reissue", post(attendees::reissue))
        .route("/console/events/{event}/attendees/{ticket}/mail", post(attendees::retry_mail))
        .route("/console/events/{event}/attendees/{ticket}/sms", post(attendees::retry_sms))
        .route("/console/events/{event}/attendees/{ticket}/print", get(attendees::print))
        .route("/console/events/{event}/tickets/issue", post(attendees::issue))
        .route("/console/events/{event}/uploads/{upload}", get(attendees::mapping_page).post(attendees::import))
        .route("/console/console.css", get(|| asset("text/css", include_str!("../../static/console.css"))))
        .route("/console/console.js", get(|| asset("text/javascript", include_str!("../../static/console.js"))))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(crate::api::MAX_BODY_BYTES))
        // A CSV upload may be larger than any other body.
        .route(
            "/console/events/{event}/uploads",
            post(attendees::upload).layer(tower_http::limit::RequestBodyLimitLayer::new(attendees::MAX_UPLOAD)),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::map_response(guarded))
        .layer(axum::middleware::from_fn(html::in_language))
}

/// The language picker's form: the choice kept in a cookie on this browser (a year), then back
/// to the page it was made on.
async fn set_language(PublicPost(f, headers): PublicPost) -> Answer {
    let lang = ingia_core::Lang::from_tag(f.get("lang"))
        .ok_or_else(|| Error::BadRequest("choose one of the languages offered".into()))?;
    let mut resp = see(back_path(&headers).unwrap_or_else(|| "/console".into()));
    let cookie = format!("{}={}; Path=/; Secure; SameSite=Lax; Max-Age=31536000", html::LANG_COOKIE, lang.tag());
    resp.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie value is ASCII"));
    Ok(resp)
}

/// The console page a form was sent from (its `Referer` on this host), if there is one.
fn back_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let (_, rest) = referer.split_once("://")?;
    let path = rest.strip_prefix(host)?;
    let console = path == "/console" || path.starts_with("/console/") || path.starts_with("/console?");
    (console && !path.starts_with("/console/lang")).then(|| path.to_string())
}

pub(crate) async fn asset(kind: &'static str, body: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

/// Every console answer: no framing, no inline script or style, no referrer to other sites, and pages (names,
/// links that pair a device) never stored by a cache.
async fn guarded(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the console's own
    // form posts, which the origin check must refuse.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// A console error, shown as a page with its status (a signed-out GET goes to the sign-in page).
pub struct Shown(pub Error);

impl From<Error> for Shown {
    fn from(e: Error) -> Self {
        Shown(e)
    }
}

impl From<sqlx::Error> for Shown {
    fn from(e: sqlx::Error) -> Self {
        Shown(Error::Db(e))
    }
}

pub type Answer = std::result::Result<Response, Shown>;

impl IntoResponse for Shown {
    fn into_response(self) -> Response {
        match &self.0 {
            Error::Db(e) => tracing::error!(error = %e, "database error"),
            Error::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let status = self.0.status();
        let t = html::t();
        let (title, said) = match self.0 {
            Error::SignedOut => (t.err_signed_out_title, t.err_signed_out),
            Error::Role(_) | Error::Forbidden => (t.err_not_allowed_title, t.err_not_allowed),
            Error::CrossSite => (t.err_refused_title, t.err_refused),
            Error::NotFound(_) => (t.err_not_found_title, t.err_not_found),
            Error::RateLimited(_) => (t.err_slow_down_title, t.err_slow_down),
            Error::CannotIssue => (t.err_cannot_issue_title, t.cannot_issue),
            Error::BadRequest(_) | Error::Conflict(_) => (t.err_bad_input_title, t.err_bad_input),
            _ => (t.err_went_wrong_title, t.err_went_wrong),
        };
        // The server's own sentence says exactly what went wrong; it is English, so another
        // language shows its catalogue's sentence for the kind first.
        let message = self.0.to_string();
        let page = if html::lang() == ingia_core::Lang::En {
            html::message_page(title, &message, None)
        } else {
            html::message_page(title, said, Some(&message))
        };
        let mut resp = (status, page).into_response();
        if let Error::RateLimited(secs) = self.0 {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        resp
    }
}

/// The value of one cookie.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value of a new session (or, with `None`, the one that ends it).
pub fn session_cookie(token: Option<&str>) -> HeaderValue {
    let value = match token {
        Some(t) => format!(
            "{}={t}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
            accounts::COOKIE,
            accounts::SESSION_MAX_MS / 1000
        ),
        None => format!("{}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0", accounts::COOKIE),
    };
    HeaderValue::from_str(&value).expect("cookie value is ASCII")
}

/// A signed-in member (any page). A GET without a session goes to the sign-in page.
pub struct Member(pub Session);

impl FromRequestParts<AppState> for Member {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match signed_in(&parts.headers, state).await {
            Ok(s) => Ok(Member(s)),
            Err(Error::SignedOut) if parts.method == axum::http::Method::GET => {
                Err(Redirect::to("/console/signin").into_response())
            }
            Err(e) => Err(Shown(e).into_response()),
        }
    }
}

async fn signed_in(headers: &HeaderMap, state: &AppState) -> Result<Session, Error> {
    let token = cookie(headers, accounts::COOKIE).ok_or(Error::SignedOut)?;
    if !token.starts_with("ings_") || token.len() > 100 {
        return Err(Error::SignedOut);
    }
    accounts::session(&state.db, token, now_ms()).await?.ok_or(Error::SignedOut)
}

/// A state change must come from the console's own pages: the browser's `Sec-Fetch-Site` (when
/// it sends one) says same-origin, and an `Origin` (when sent) names this host.
pub fn same_origin(headers: &HeaderMap) -> Result<(), Error> {
    let text = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        if site != "same-origin" && site != "none" {
            return Err(Error::CrossSite);
        }
    }
    if let Some(origin) = text(header::ORIGIN) {
        let host = text(header::HOST).unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
        if host.is_empty() || origin_host != host {
            return Err(Error::CrossSite);
        }
    }
    Ok(())
}

/// The fields of a url-encoded form, in order (repeated names kept).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

async fn read_fields(req: Request, state: &AppState) -> Result<(HeaderMap, Fields), Error> {
    let headers = req.headers().clone();
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(Error::BadRequest("send the form as application/x-www-form-urlencoded".into()));
    }
    let bytes = crate::api::read_body(req, state, "the form could not be read").await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| Error::BadRequest("the form could not be read".into()))?;
    Ok((headers, Fields(pairs)))
}

/// A form sent before there is a session (sign in, join): same origin only.
pub struct PublicPost(pub Fields, pub HeaderMap);

impl FromRequest<AppState> for PublicPost {
    type Rejection = Shown;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Shown> {
        same_origin(req.headers())?;
        let (headers, fields) = read_fields(req, state).await?;
        Ok(PublicPost(fields, headers))
    }
}

/// The session's CSRF token as a page carries it: masked with a fresh pad on every page (pad,
/// then token XOR pad), so no two compressed answers hold the same secret bytes (BREACH: a page
/// that also reflects a search term must not let its compressed size reveal the token).
pub fn masked_token(token_hex: &str) -> String {
    let token = crate::util::unhex(token_hex).unwrap_or_default();
    let pad: Vec<u8> = (0..token.len()).map(|_| crate::util::random_bytes::<1>()[0]).collect();
    let masked: Vec<u8> = token.iter().zip(&pad).map(|(t, p)| t ^ p).collect();
    format!("{}{}", crate::util::hex(&pad), crate::util::hex(&masked))
}

/// Whether a form's masked token unmasks to the session's, in constant time (the comparison
/// does not tell how much of a guess was right).
pub fn same_token(sent: &str, token_hex: &str) -> bool {
    let (Some(sent), Some(want)) = (crate::util::unhex(sent.trim()), crate::util::unhex(token_hex)) else {
        return false;
    };
    if want.is_empty() || sent.len() != 2 * want.len() {
        return false;
    }
    let (pad, masked) = sent.split_at(want.len());
    pad.iter().zip(masked).zip(&want).fold(0u8, |acc, ((p, m), w)| acc | (p ^ m ^ w)) == 0
}

/// A signed-in member's form: same origin, and the session's CSRF token in its `csrf` field.
pub struct Post {
    pub member: Session,
    pub fields: Fields,
}

impl FromRequest<AppState> for Post {
    type Rejection = Shown;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Shown> {
        same_origin(req.headers())?;
        let member = signed_in(req.headers(), state).await?;
        let (_, fields) = read_fields(req, state).await?;
        if !same_token(fields.get("csrf"), &member.csrf) {
            return Err(Shown(Error::CrossSite));
        }
        Ok(Post { member, fields })
    }
}

/// The link an invite code opens (the code in the fragment, which browsers never send).
pub fn invite_link(base: &str, code: &str) -> String {
    format!("{}/console/join#{code}", base.trim_end_matches('/'))
}

/// After a form that changed something: back to a page (303, so a reload does not resend it).
pub fn see(path: String) -> Response {
    Redirect::to(&path).into_response()
}
