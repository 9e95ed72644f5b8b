//! The organizer console through its HTTP surface, as a browser uses it (cookies, forms, the
//! CSRF token), without a socket: sign-in and its lockout, invites, the role each endpoint
//! needs, CSRF and cross-site refusals, and one organization's member against another's event.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use ingia_core::access::OrgRole;
use ingia_server::console::accounts;
use ingia_server::{app, AppState, Db};
use tower::ServiceExt;

const HOST: &str = "console.test";
const PASSWORD: &str = "a long enough password";

fn router(db: &Db, lock_ms: u64) -> axum::Router {
    let mut state = AppState::new(db.clone(), common::master(), None);
    state.signin_lock_ms = lock_ms;
    app(state).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 2], 4000))))
}

/// One browser: its session cookie and the CSRF token of its pages.
#[derive(Clone)]
struct Browser {
    router: axum::Router,
    cookie: Option<String>,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers.get("location").map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

impl Browser {
    fn new(router: &axum::Router) -> Self {
        Browser { router: router.clone(), cookie: None, csrf: String::new() }
    }

    async fn send(&self, method: &str, uri: &str, body: Option<String>, extra: &[(&str, &str)]) -> Answer {
        let mut req = Request::builder().method(method).uri(uri).header("host", HOST);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("{}={c}", accounts::COOKIE));
        }
        if body.is_some() {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let resp = self.router.clone().oneshot(req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap()).await;
        let resp = resp.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Answer { status, headers, body }
    }

    async fn get(&self, uri: &str) -> Answer {
        self.send("GET", uri, None, &[("sec-fetch-site", "same-origin")]).await
    }

    /// A form from the console's own page: same origin, this session's CSRF token.
    async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let origin = format!("http://{HOST}");
        self.send("POST", uri, Some(form(&all)), &[("sec-fetch-site", "same-origin"), ("origin", &origin)]).await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let a = self.post("/console/signin", &[("email", email), ("password", password)]).await;
        if let Some(c) = session_from(&a) {
            self.cookie = Some(c);
            self.refresh_csrf().await;
        }
        a
    }

    async fn refresh_csrf(&mut self) {
        let page = self.get("/console").await;
        self.csrf = field_value(&page.body, "csrf").unwrap_or_default();
    }

    async fn join(&mut self, code: &str, email: &str, name: &str) -> Answer {
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

fn session_from(a: &Answer) -> Option<String> {
    let set = a.headers.get("set-cookie")?.to_str().ok()?;
    assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"), "{set}");
    let value = set.split(';').next()?.split_once('=')?.1;
    (!value.is_empty()).then(|| value.to_string())
}

/// The value of the first input named `name` in a page.
fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

struct Team {
    router: axum::Router,
    owner: Browser,
    manager: Browser,
    supervisor: Browser,
    viewer: Browser,
    org: i64,
    /// Another organization's owner.
    stranger: Browser,
    other_org: i64,
}

async fn team(db: &Db, lock_ms: u64) -> Team {
    let router = router(db, lock_ms);
    let now = ingia_server::util::now_ms();
    let (org, code) = accounts::create_organization(db, "Lagos Live", now).await.unwrap();
    let mut owner = Browser::new(&router);
    assert_eq!(owner.join(&code, "Owner@Example.com", "Ola Owner").await.status, StatusCode::SEE_OTHER);
    let mut members = Vec::new();
    for (role, email) in
        [(OrgRole::Manager, "m@example.com"), (OrgRole::Supervisor, "s@example.com"), (OrgRole::Viewer, "v@example.com")]
    {
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

fn event_fields<'a>(name: &'a str) -> Vec<(&'a str, &'a str)> {
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
        ("type_code_0", "on"),
        ("type_gates_0", ""),
        ("type_from_0", ""),
        ("type_until_0", ""),
        ("type_name_1", "VIP"),
        ("type_code_1", "on"),
        ("type_reentry_1", "on"),
        ("type_gates_1", "VIP gate"),
        ("type_from_1", ""),
        ("type_until_1", ""),
        ("type_name_2", ""),
    ]
}

/// Creates an event through the console; its id.
async fn create_event(b: &Browser, org: i64, name: &str) -> u64 {
    let a = b.post(&format!("/console/orgs/{org}/events"), &event_fields(name)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    a.location().rsplit('/').next().unwrap().parse().unwrap()
}

async fn pair_device(b: &Browser, event: u64) -> u32 {
    let a = b.post(&format!("/console/events/{event}/devices"), &[("gate", "1"), ("role", "steward"), ("hours", "2")]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("<svg"), "the pairing QR is on the page");
    let at = a.body.find("Device #").unwrap() + 8;
    a.body[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_the_right_one_waits_out_the_lock() {
    let db = common::fresh_db().await;
    let t = team(&db, 1_500).await;
    let mut b = Browser::new(&t.router);
    for i in 0..4 {
        let a = b.sign_in("m@example.com", "not the password").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(a.body.contains("wrong email or password"));
    }
    let a = b.sign_in("m@example.com", "not the password").await;
    assert!(a.body.contains("locked until"), "{}", a.body);
    // The right password is refused while the lock lasts, with the same plain message.
    let a = b.sign_in("m@example.com", PASSWORD).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body.contains("too many wrong passwords"));
    assert!(b.cookie.is_none());
    // An unknown email gets the same answer as a wrong password.
    let a = b.sign_in("nobody@example.com", PASSWORD).await;
    assert!(a.body.contains("wrong email or password"));
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    let a = b.sign_in("M@example.com ", PASSWORD).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(b.get("/console").await.status, StatusCode::OK);
    // An address that keeps failing (other emails, so no lock helps) is stopped by its own limit.
    let mut limited = None;
    for i in 0..20 {
        let a = b.sign_in(&format!("guess{i}@example.com"), "guess").await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(a);
            break;
        }
    }
    let limited = limited.expect("the address is rate limited");
    assert!(limited.headers.get("retry-after").is_some());
    // Nothing of the password reaches the audit log.
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT action, detail FROM audit_log").fetch_all(&db.pool).await.unwrap();
    assert!(rows.iter().any(|(a, _)| a == "account.locked"));
    assert!(!rows.iter().any(|(_, d)| d.contains(PASSWORD) || d.contains("not the password")));
}

#[tokio::test]
async fn signed_out_pages_go_to_sign_in_and_sign_out_everywhere_ends_every_session() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let anon = Browser::new(&t.router);
    let a = anon.get("/console").await;
    assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, "/console/signin"));
    let a = anon.post(&format!("/console/orgs/{}/events", t.org), &event_fields("x")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // A second session of the owner (another laptop), then sign out everywhere from the first.
    let mut laptop = Browser::new(&t.router);
    assert_eq!(laptop.sign_in("owner@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/console").await.status, StatusCode::OK);
    let a = t.owner.post("/console/signout", &[("everywhere", "1")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(laptop.get("/console").await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.owner.get("/console").await.status, StatusCode::SEE_OTHER);
    // The manager's session is another account's: it stays.
    assert_eq!(t.manager.get("/console").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_invite_works_once_and_the_last_owner_stays() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let page = t.owner.post(&format!("/console/orgs/{}/invites", t.org), &[("role", "viewer")]).await;
    let link = page.body.split("/console/join#").nth(1).unwrap();
    let code = &link[..link.find('"').unwrap()];
    let mut a = Browser::new(&t.router);
    assert_eq!(a.join(code, "first@example.com", "First").await.status, StatusCode::SEE_OTHER);
    let mut b = Browser::new(&t.router);
    let again = b.join(code, "second@example.com", "Second").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("unknown, used or expired"));
    // The only owner cannot be demoted or removed.
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'owner@example.com'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let path = format!("/console/orgs/{}/members/{owner_id}", t.org);
    for role in ["manager", "remove"] {
        let a = t.owner.post(&path, &[("role", role)]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(a.body.contains("at least one owner"));
    }
    // A password too short is refused with its rule.
    let page = t.owner.post(&format!("/console/orgs/{}/invites", t.org), &[("role", "viewer")]).await;
    let link = page.body.split("/console/join#").nth(1).unwrap();
    let code = &link[..link.find('"').unwrap()];
    let short = Browser::new(&t.router)
        .post("/console/join", &[("code", code), ("email", "s2@example.com"), ("name", "S"), ("password", "short")])
        .await;
    assert!(short.body.contains("10 to 200 characters"), "{}", short.body);
}

#[tokio::test]
async fn every_write_is_refused_to_a_viewer_and_each_role_gets_what_it_may() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let event = create_event(&t.manager, t.org, "Afrobeats Night").await;
    let device = pair_device(&t.supervisor, event).await;
    let viewer_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'v@example.com'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let org = t.org;
    // Every state-changing endpoint of the console (sign-out aside, which anyone may do).
    let writes: Vec<(String, Vec<(&str, &str)>, OrgRole)> = vec![
        (format!("/console/orgs/{org}/invites"), vec![("role", "viewer")], OrgRole::Owner),
        (format!("/console/orgs/{org}/members/{viewer_id}"), vec![("role", "viewer")], OrgRole::Owner),
        (format!("/console/orgs/{org}/events"), event_fields("Another"), OrgRole::Manager),
        (format!("/console/events/{event}"), event_fields("Renamed"), OrgRole::Manager),
        (format!("/console/events/{event}/devices"), vec![("gate", "0"), ("role", "kiosk"), ("hours", "1")], OrgRole::Supervisor),
        (format!("/console/events/{event}/devices/{device}/rename"), vec![("name", "Gate phone")], OrgRole::Supervisor),
        (format!("/console/events/{event}/devices/{device}/revoke"), vec![], OrgRole::Supervisor),
    ];
    for (path, fields, least) in &writes {
        let a = t.viewer.post(path, fields).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "viewer POST {path}");
        assert!(a.body.contains("your role (viewer) may not do this"), "{}", a.body);
        for (who, role) in [(&t.supervisor, OrgRole::Supervisor), (&t.manager, OrgRole::Manager)] {
            if role < *least {
                assert_eq!(who.post(path, fields).await.status, StatusCode::FORBIDDEN, "{role:?} POST {path}");
            }
        }
    }
    // Nothing the viewer sent changed anything.
    let name: String = sqlx::query_scalar("SELECT name FROM events WHERE id = $1")
        .bind(event as i64)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Afrobeats Night");
    let revoked: Option<i64> = sqlx::query_scalar("SELECT revoked_at FROM devices WHERE id = $1")
        .bind(i64::from(device))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(revoked.is_none());
    // Reads: the viewer sees the event, not its devices, audit log, team or the new-event form.
    assert_eq!(t.viewer.get(&format!("/console/events/{event}")).await.status, StatusCode::OK);
    assert!(!t.viewer.get(&format!("/console/events/{event}")).await.body.contains("Edit the event"));
    for path in [
        format!("/console/events/{event}/devices"),
        format!("/console/orgs/{org}/audit"),
        format!("/console/orgs/{org}/members"),
        format!("/console/orgs/{org}/events/new"),
    ] {
        assert_eq!(t.viewer.get(&path).await.status, StatusCode::FORBIDDEN, "viewer GET {path}");
    }
    assert_eq!(t.supervisor.get(&format!("/console/events/{event}/devices")).await.status, StatusCode::OK);
    assert_eq!(t.supervisor.get(&format!("/console/orgs/{org}/audit")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.manager.get(&format!("/console/orgs/{org}/members")).await.status, StatusCode::FORBIDDEN);
    // The roles that may, can: the supervisor renames and revokes, the manager edits.
    let rename = &writes[5];
    assert_eq!(t.supervisor.post(&rename.0, &rename.1).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.manager.post(&writes[3].0, &writes[3].1).await.status, StatusCode::SEE_OTHER);
    // Each action is in the audit log with the member who did it.
    let audit = t.manager.get(&format!("/console/orgs/{org}/audit?event={event}")).await;
    for (action, who) in [
        ("event.create", "manager (account"),
        ("device.pair", "supervisor (account"),
        ("device.rename", "supervisor (account"),
        ("event.update", "manager (account"),
    ] {
        assert!(audit.body.contains(action) && audit.body.contains(who), "{action} by {who}");
    }
}

#[tokio::test]
async fn cross_site_posts_and_missing_or_wrong_csrf_tokens_are_refused() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let path = format!("/console/orgs/{}/events", t.org);
    let body = form(&event_fields("Forged"));
    let cookie = t.owner.clone();
    // A form another site's page posts: the browser says cross-site (and, with SameSite=Strict,
    // would not even send the cookie); refused before anything is read.
    let a = cookie.send("POST", &path, Some(body.clone()), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = cookie.send("POST", &path, Some(body.clone()), &[("origin", "https://evil.example")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // Same origin but no token, or another session's token.
    let a = cookie.send("POST", &path, Some(body.clone()), &[("sec-fetch-site", "same-origin")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body.contains("did not come from the console"));
    let mut other = t.owner.clone();
    other.csrf = t.manager.csrf.clone();
    assert_eq!(other.post(&path, &event_fields("Forged")).await.status, StatusCode::FORBIDDEN);
    // The sign-in form too takes only same-origin posts (no logging a victim into an attacker's account).
    let a = Browser::new(&t.router)
        .send("POST", "/console/signin", Some(form(&[("email", "owner@example.com"), ("password", PASSWORD)])), &[(
            "sec-fetch-site",
            "cross-site",
        )])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(&db.pool).await.unwrap();
    assert_eq!(n, 0, "no forged event was created");
    // Every console page refuses framing and inline script.
    let page = t.owner.get("/console").await;
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
}

#[tokio::test]
async fn a_member_of_one_organization_cannot_read_or_change_anothers_event() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let event = create_event(&t.owner, t.org, "Afrobeats Night").await;
    let device = pair_device(&t.owner, event).await;
    let org = t.org;
    let s = &t.stranger;
    for path in [
        format!("/console/events/{event}"),
        format!("/console/events/{event}/devices"),
        format!("/console/orgs/{org}/audit"),
        format!("/console/orgs/{org}/members"),
        format!("/console/orgs/{org}/events/new"),
    ] {
        let a = s.get(&path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(!a.body.contains("Afrobeats") && !a.body.contains("Lagos Live"));
    }
    for (path, fields) in [
        (format!("/console/orgs/{org}/invites"), vec![("role", "owner")]),
        (format!("/console/orgs/{org}/events"), event_fields("Theirs")),
        (format!("/console/events/{event}"), event_fields("Hijacked")),
        (format!("/console/events/{event}/devices"), vec![("gate", "0"), ("role", "supervisor"), ("hours", "1")]),
        (format!("/console/events/{event}/devices/{device}/rename"), vec![("name", "mine")]),
        (format!("/console/events/{event}/devices/{device}/revoke"), vec![]),
    ] {
        assert_eq!(s.post(&path, &fields).await.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    // Their own organization's page does not list it either.
    let home = s.get("/console").await;
    assert!(home.body.contains("Accra Nights") && !home.body.contains("Afrobeats"));
    let (name, devices): (String, i64) = sqlx::query_as(
        "SELECT e.name, (SELECT COUNT(*) FROM devices d WHERE d.event_id = e.id AND d.revoked_at IS NULL) FROM events e",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), devices), ("Afrobeats Night", 1));
    let _ = t.other_org;
}

#[tokio::test]
async fn an_event_made_in_the_console_is_what_the_gates_get_and_bad_input_keeps_the_form() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let event = create_event(&t.manager, t.org, "Afrobeats Night").await;
    let (m, _) = ingia_server::events::load_header(&db, ingia_core::EventId(event)).await.unwrap();
    assert_eq!(m.event.time_zone, "Africa/Lagos");
    assert_eq!(m.event.starts_at, ingia_server::util::parse_rfc3339("2026-12-31T20:00+01:00").unwrap() as u64);
    assert_eq!(m.gates.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Main gate", "VIP gate"]);
    assert_eq!(m.ticket_types.len(), 2);
    let vip = &m.ticket_types[1].policy;
    assert!(vip.code_required && vip.reentry && vip.gates.allows(ingia_core::GateId(1)) && !vip.gates.allows(ingia_core::GateId(0)));
    assert_eq!(m.event.pin_digits, 7);
    // The signing key was made and sealed as the CLI does: the event can issue.
    assert!(ingia_server::events::signing_key(&db, &common::master(), ingia_core::EventId(event)).await.is_ok());
    // A bad time zone: the form comes back with what was typed and the reason.
    let mut fields = event_fields("Second night");
    fields[2] = ("time_zone", "Africa/Atlantis");
    let a = t.manager.post(&format!("/console/orgs/{}/events", t.org), &fields).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("not a time zone name") && a.body.contains("value=\"Second night\""));
    // An edit adds a gate and tightens a type; the manifest revision moves so gates pull it.
    let (_, before) = ingia_server::events::load_header(&db, ingia_core::EventId(event)).await.unwrap();
    let mut fields = event_fields("Afrobeats Night");
    fields[9] = ("gates", "Main gate\nVIP gate\nSouth gate");
    fields.retain(|(k, _)| !k.starts_with("doors") && !k.starts_with("close") && *k != "capacity");
    fields.push(("type_reentry_0", "on"));
    let a = t.manager.post(&format!("/console/events/{event}"), &fields).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let (m, after) = ingia_server::events::load_header(&db, ingia_core::EventId(event)).await.unwrap();
    assert!(after > before);
    assert_eq!(m.gates.len(), 3);
    assert!(m.ticket_types[0].policy.reentry);
    // Gates cannot be removed (devices and tickets refer to them by number).
    let gates = fields.iter().position(|(k, _)| *k == "gates").unwrap();
    fields[gates] = ("gates", "Main gate");
    let a = t.manager.post(&format!("/console/events/{event}"), &fields).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("not removed"));
}
