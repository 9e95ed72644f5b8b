//! The console as a browser uses it, without a socket: a Browser (session cookie, CSRF token of
//! its pages, same-origin forms), a team of four roles in one organization and a stranger in
//! another, an event made through the console.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use ingia_core::access::OrgRole;
use ingia_server::console::accounts;
use ingia_server::{app, AppState, Db};
use tower::ServiceExt;

pub const HOST: &str = "127.0.0.1:8080";
pub const PASSWORD: &str = "a long enough password";

pub fn router(db: &Db, lock_ms: u64) -> axum::Router {
    let mut state = AppState::new(db.clone(), super::keys(), None);
    state.signin_lock_ms = lock_ms;
    app(state).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 2], 4000))))
}

/// One browser: its session cookie and the CSRF token of its pages.
#[derive(Clone)]
pub struct Browser {
    pub router: axum::Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers.get("location").map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

pub fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

impl Browser {
    pub fn new(router: &axum::Router) -> Self {
        Browser { router: router.clone(), cookie: None, csrf: String::new() }
    }

    pub async fn send(&self, method: &str, uri: &str, body: Option<String>, extra: &[(&str, &str)]) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req = req.header("host", HOST);
        }
        if body.is_some() {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        self.finish(req, body, extra).await
    }

    /// A body of another type (a multipart upload).
    pub async fn send_typed(
        &self,
        method: &str,
        uri: &str,
        content_type: &str,
        body: String,
        extra: &[(&str, &str)],
    ) -> Answer {
        let req = Request::builder().method(method).uri(uri).header("host", HOST).header("content-type", content_type);
        self.finish(req, Some(body), extra).await
    }

    async fn finish(
        &self,
        mut req: axum::http::request::Builder,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Answer {
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("{}={c}", accounts::COOKIE));
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let resp =
            self.router.clone().oneshot(req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap()).await;
        let resp = resp.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Answer { status, headers, body }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send("GET", uri, None, &[("sec-fetch-site", "same-origin")]).await
    }

    /// A form from the console's own page: same origin, this session's CSRF token.
    pub async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let origin = format!("http://{HOST}");
        self.send("POST", uri, Some(form(&all)), &[("sec-fetch-site", "same-origin"), ("origin", &origin)]).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let a = self.post("/console/signin", &[("email", email), ("password", password)]).await;
        if let Some(c) = session_from(&a) {
            self.cookie = Some(c);
            self.refresh_csrf().await;
        }
        a
    }

    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/console").await;
        self.csrf = field_value(&page.body, "csrf").unwrap_or_default();
    }

    pub async fn join(&mut self, code: &str, email: &str, name: &str) -> Answer {
        let a = self
            .post("/console/join", &[("code", code), ("email", email), ("name", name), ("password", PASSWORD)])
            .await;
        if let Some(c) = session_from(&a) {
            self.cookie = Some(c);
            self.refresh_csrf().await;
        }
        a
    }
}

pub fn session_from(a: &Answer) -> Option<String> {
    let set = a.headers.get("set-cookie")?.to_str().ok()?;
    assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"), "{set}");
    let value = set.split(';').next()?.split_once('=')?.1;
    (!value.is_empty()).then(|| value.to_string())
}

/// The value of the first input named `name` in a page.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

pub struct Team {
    pub router: axum::Router,
    pub owner: Browser,
    pub manager: Browser,
    pub supervisor: Browser,
    pub viewer: Browser,
    pub org: i64,
    /// Another organization's owner.
    pub stranger: Browser,
    pub other_org: i64,
}

pub async fn team(db: &Db, lock_ms: u64) -> Team {
    let router = router(db, lock_ms);
    let now = ingia_server::util::now_ms();
    let (org, code) = accounts::create_organization(db, "Lagos Live", now).await.unwrap();
    let mut owner = Browser::new(&router);
    assert_eq!(owner.join(&code, "Owner@Example.com", "Ola Owner").await.status, StatusCode::SEE_OTHER);
    let mut members = Vec::new();
    for (role, email) in [
        (OrgRole::Manager, "m@example.com"),
        (OrgRole::Supervisor, "s@example.com"),
        (OrgRole::Viewer, "v@example.com"),
    ] {
        // The owner makes the invite in the console; its link carries the code in the fragment.
        let page = owner.post(&format!("/console/orgs/{org}/invites"), &[("role", role.slug())]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let link = page.body.split("/console/join#").nth(1).unwrap();
        let code = &link[..link.find('"').unwrap()];
        let mut b = Browser::new(&router);
        assert_eq!(b.join(code, email, role.slug()).await.status, StatusCode::SEE_OTHER);
        members.push(b);
    }
    let (other_org, code) = accounts::create_organization(db, "Accra Nights", now).await.unwrap();
    let mut stranger = Browser::new(&router);
    assert_eq!(stranger.join(&code, "x@example.org", "Stranger").await.status, StatusCode::SEE_OTHER);
    let viewer = members.pop().unwrap();
    let supervisor = members.pop().unwrap();
    let manager = members.pop().unwrap();
    Team { router, owner, manager, supervisor, viewer, org, stranger, other_org }
}

pub fn event_fields(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", name),
        ("venue", "Eko Hall"),
        ("time_zone", "Africa/Lagos"),
        ("starts", "2026-12-31T20:00"),
        ("ends", "2026-12-31T23:30"),
        ("doors", ""),
        ("close", ""),
        ("capacity", "5000"),
        ("keep_hours", "12"),
        ("gates", "Main gate\nVIP gate"),
        ("type_name_0", "General"),
        ("type_gates_0", ""),
        ("type_from_0", ""),
        ("type_until_0", ""),
        ("type_name_1", "VIP"),
        ("type_sms_1", "on"),
        ("type_reentry_1", "on"),
        ("type_gates_1", "VIP gate"),
        ("type_from_1", ""),
        ("type_until_1", ""),
        ("type_name_2", ""),
    ]
}

/// Creates an event through the console; its id.
pub async fn create_event(b: &Browser, org: i64, name: &str) -> u64 {
    let a = b.post(&format!("/console/orgs/{org}/events"), &event_fields(name)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    a.location().rsplit('/').next().unwrap().parse().unwrap()
}

pub async fn pair_device(b: &Browser, event: u64) -> u32 {
    let a = b
        .post(&format!("/console/events/{event}/devices"), &[("gate", "1"), ("role", "steward"), ("hours", "2")])
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("<svg"), "the pairing QR is on the page");
    let at = a.body.find("Device #").unwrap() + 8;
    a.body[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}
