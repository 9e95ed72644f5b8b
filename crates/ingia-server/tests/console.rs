//! The organizer console through its HTTP surface, as a browser uses it (cookies, forms, the
//! CSRF token), without a socket: sign-in and its lockout, invites, the role each endpoint
//! needs, CSRF and cross-site refusals, and one organization's member against another's event.

mod common;

use axum::http::StatusCode;
use common::console::{create_event, event_fields, form, pair_device, team, Browser, PASSWORD};
use ingia_core::access::OrgRole;

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
    // Over plain HTTP at another address the page says the sign-in would not stick; at this
    // machine's own address or behind HTTPS it does not.
    let anon = Browser::new(&t.router);
    let lan = anon.send("GET", "/console/signin", None, &[("host", "192.168.1.20:8080")]).await;
    assert!(lan.body.contains("not HTTPS"), "{}", lan.body);
    let proxied = anon
        .send("GET", "/console/signin", None, &[("host", "tickets.example.ng"), ("x-forwarded-proto", "https")])
        .await;
    assert!(!proxied.body.contains("not HTTPS"));
    assert!(!anon.get("/console/signin").await.body.contains("not HTTPS"));
    // Nothing of the password reaches the audit log.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_log").fetch_all(&db.pool).await.unwrap();
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
    let viewer_id: i64 =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'v@example.com'").fetch_one(&db.pool).await.unwrap();
    let org = t.org;
    // Every state-changing endpoint of the console (sign-out aside, which anyone may do).
    type Write<'a> = (String, Vec<(&'a str, &'a str)>, OrgRole);
    let writes: Vec<Write> = vec![
        (format!("/console/orgs/{org}/invites"), vec![("role", "viewer")], OrgRole::Owner),
        (format!("/console/orgs/{org}/members/{viewer_id}"), vec![("role", "viewer")], OrgRole::Owner),
        (format!("/console/orgs/{org}/events"), event_fields("Another"), OrgRole::Manager),
        (format!("/console/events/{event}"), event_fields("Renamed"), OrgRole::Manager),
        (
            format!("/console/events/{event}/devices"),
            vec![("gate", "0"), ("role", "kiosk"), ("hours", "1")],
            OrgRole::Supervisor,
        ),
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
        .send(
            "POST",
            "/console/signin",
            Some(form(&[("email", "owner@example.com"), ("password", PASSWORD)])),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(&db.pool).await.unwrap();
    assert_eq!(n, 0, "no forged event was created");
    // Every console page refuses framing and inline script.
    let page = t.owner.get("/console").await;
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    // The token a page carries is masked afresh on every page (no fixed secret in compressed
    // pages), and each masked form of it is accepted.
    let (a, b) = (t.owner.get("/console").await, t.owner.get("/console").await);
    let (ta, tb) = (
        common::console::field_value(&a.body, "csrf").unwrap(),
        common::console::field_value(&b.body, "csrf").unwrap(),
    );
    assert_ne!(ta, tb);
    let mut other = t.owner.clone();
    other.csrf = tb;
    assert_eq!(other.post("/console/signout", &[]).await.status, axum::http::StatusCode::SEE_OTHER);
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
    assert_eq!(m.ticket_types[0].policy.ways, ingia_core::Ways::LIVE_ONLY);
    let vip = &m.ticket_types[1].policy;
    assert!(
        vip.ways == ingia_core::Ways { printed: false, pin: false, phone: true }
            && vip.reentry
            && vip.gates.allows(ingia_core::GateId(1))
            && !vip.gates.allows(ingia_core::GateId(0))
    );
    assert_eq!(m.event.pin_digits, 7);
    // The signing key was made and sealed as the CLI does: the event can issue.
    assert!(ingia_server::events::signing_key(&db, &common::keys(), ingia_core::EventId(event)).await.is_ok());
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

#[tokio::test]
async fn the_device_list_shows_what_each_phone_last_reported() {
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let event = create_event(&t.owner, t.org, "Afrobeats Night").await;
    let device = pair_device(&t.supervisor, event).await;
    let page = t.supervisor.get(&format!("/console/events/{event}/devices")).await;
    assert!(page.body.contains("waiting to pair") && page.body.contains("Last contact: never"));
    // The phone pairs (by the code behind the QR) and pulls, reporting 3 records not yet synced.
    let code: String = {
        let p = ingia_server::devices::create_pairing(
            &db,
            "test",
            ingia_core::EventId(event),
            ingia_core::GateId(1),
            ingia_core::Role::Steward,
            60_000,
        )
        .await
        .unwrap();
        p.code
    };
    let (auth, token) = ingia_server::devices::redeem(&db, &code, "Gate phone").await.unwrap();
    let (s, _) =
        common::call(&t.router, "GET", "/api/admissions?since=0&pending=3&build=3f9a1c0d2e", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);
    let page = t.supervisor.get(&format!("/console/events/{event}/devices")).await;
    let card = page.body.split(&format!("data-device=\"{}\"", auth.device.0)).nth(1).unwrap();
    assert!(
        card.contains("Last contact: just now") && card.contains("3 not yet synced") && card.contains("app 3f9a1c0d2e"),
        "{card}"
    );
    assert!(card.contains("Steward at VIP gate"));
    let _ = device;
    // Moved to the Main gate: the viewer may not, the supervisor may; the next manifest answer
    // names the new gate.
    let move_path = format!("/console/events/{event}/devices/{}/move", auth.device.0);
    assert_eq!(t.viewer.post(&move_path, &[("gate", "0")]).await.status, StatusCode::FORBIDDEN);
    let before = ingia_server::util::now_ms();
    assert_eq!(t.supervisor.post(&move_path, &[("gate", "0")]).await.status, StatusCode::SEE_OTHER);
    let manifest = axum::http::Request::get("/api/manifest?since=0")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(t.router.clone(), manifest).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers().get("x-ingia-gate").unwrap(), "0");
    let page = t.supervisor.get(&format!("/console/events/{event}/devices")).await;
    let card = page.body.split(&format!("data-device=\"{}\"", auth.device.0)).nth(1).unwrap();
    assert!(card.contains("Steward at Main gate"), "{card}");
    // What it recorded at the VIP gate before the move is still its own; at the VIP gate after
    // the move (past the clock tolerance) it is not; at the Main gate it is.
    let ev = common::Event { id: ingia_core::EventId(event), organizer_token: String::new(), tickets: vec![] };
    let push = |scan: u64, gate: ingia_core::GateId, at: u64| {
        let record = common::record(auth.device.0, scan, &ev, None, gate, false, at);
        common::call(&t.router, "POST", "/api/checkins", Some(&token), Some(serde_json::json!({ "records": [record] })))
    };
    assert_eq!(push(1, ingia_core::GateId(1), before - 60_000).await.0, StatusCode::OK);
    assert_eq!(push(2, ingia_core::GateId(1), before + 11 * 60_000).await.0, StatusCode::FORBIDDEN);
    assert_eq!(push(3, ingia_core::GateId(0), before + 60_000).await.0, StatusCode::OK);
    let audit = t.owner.get(&format!("/console/orgs/{}/audit?event={event}", t.org)).await;
    assert!(audit.body.contains("device.move"));
}

/// Every page in the picker's language, else the browser's; the picker is a same-origin form
/// that goes back to the page it was used on; an error page says its kind in the language and
/// the server's own sentence under it, in English.
#[tokio::test]
async fn the_console_speaks_the_browser_s_language_and_the_picker_s_choice_sticks() {
    use common::console::HOST;
    use ingia_core::Lang;
    let db = common::fresh_db().await;
    let t = team(&db, 60_000).await;
    let event = create_event(&t.manager, t.org, "Fête de Noël").await;
    let same = ("sec-fetch-site", "same-origin");
    let origin = format!("http://{HOST}");

    // Signed out: the sign-in page follows Accept-Language (the first language we speak).
    let anon = Browser::new(&t.router);
    let a = anon.send("GET", "/console/signin", None, &[("accept-language", "de-DE, fr-CI;q=0.8, en;q=0.5")]).await;
    assert!(a.body.contains(r#"<html lang="fr" dir="ltr">"#), "{}", a.body);
    assert!(a.body.contains("Mot de passe") && a.body.contains(">Se connecter<"));
    let a = anon.send("GET", "/console/signin", None, &[]).await;
    assert!(a.body.contains(r#"<html lang="en" dir="ltr">"#) && a.body.contains(">Sign in<"));

    // The picker: the choice in a cookie for a year, and back to the page it was used on.
    let live = format!("/console/events/{event}/live");
    let referer = format!("{origin}{live}");
    let pick = |lang: &'static str, referer: String| {
        let (origin, b) = (origin.clone(), t.manager.clone());
        async move {
            b.send(
                "POST",
                "/console/lang",
                Some(form(&[("lang", lang)])),
                &[same, ("origin", &origin), ("referer", &referer)],
            )
            .await
        }
    };
    let a = pick("ar", referer.clone()).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location(), live);
    let cookie = a.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("ingia-lang=ar;") && cookie.contains("Max-Age=31536000"), "{cookie}");
    // With it, whatever the browser says: Arabic, right to left; the board's ids kept for its script.
    let ar = Lang::Ar.console();
    let page =
        t.manager.send("GET", &live, None, &[same, ("cookie", "ingia-lang=ar"), ("accept-language", "fr")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<html lang="ar" dir="rtl">"#));
    for words in [ar.tab_live, ar.per_minute, ar.alerts, ar.live_lost] {
        assert!(page.body.contains(words), "{words} missing:\n{}", page.body);
    }
    assert!(page.body.contains(r#"id="checked-in""#) && page.body.contains(r#"id="inside""#));
    assert!(!page.body.contains("Check-ins per minute") && !page.body.contains(">Sign out<"));
    // Another site's page, or none: back to the console's home. A language we do not speak: refused.
    assert_eq!(pick("sw", "https://evil.example/console/x".into()).await.location(), "/console");
    assert_eq!(pick("sw", format!("{origin}/console/lang")).await.location(), "/console");
    let a = pick("de", referer.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.headers.get("set-cookie").is_none());
    // From another site: refused, nothing set.
    let a = t
        .manager
        .send("POST", "/console/lang", Some(form(&[("lang", "fr")])), &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.headers.get("set-cookie").is_none());

    // An error: its kind said in the language, the server's own (English) sentence under it.
    let a = t.manager.send("GET", "/console/events/999999", None, &[same, ("accept-language", "sw")]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let sw = Lang::Sw.console();
    assert!(a.body.contains(sw.err_not_found_title) && a.body.contains(sw.err_not_found), "{}", a.body);
    assert!(a.body.contains(r#"lang="en""#));
    // The event form in Portuguese, its dates numeric (no English month or day names).
    let a =
        t.manager.send("GET", &format!("/console/events/{event}"), None, &[same, ("accept-language", "pt-MZ")]).await;
    let pt = Lang::Pt.console();
    assert!(a.body.contains(pt.edit_event) && a.body.contains(pt.f_ways));
    assert!(a.body.contains("31/12/2026 20:00 WAT") && !a.body.contains("Thu 31 Dec"), "{}", a.body);
    // A form sent back with a mistake: the catalogue's "check what you entered", the server's
    // exact sentence under it in English, what was typed kept.
    let mut fields = event_fields("Fête de Noël");
    fields.retain(|(k, _)| *k != "time_zone");
    fields.push(("time_zone", "Mars/Olympus"));
    fields.push(("csrf", &t.manager.csrf));
    let a = t
        .manager
        .send(
            "POST",
            &format!("/console/events/{event}"),
            Some(form(&fields)),
            &[same, ("origin", &origin), ("accept-language", "fr")],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains(Lang::Fr.console().err_bad_input), "{}", a.body);
    assert!(a.body.contains("is not a time zone name") && a.body.contains("Mars/Olympus"));
}
