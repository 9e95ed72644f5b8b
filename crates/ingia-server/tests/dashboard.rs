//! The organizer's live dashboard and report (console): counts equal the database's; capacity
//! alerts at 80/90/100%, each once; a forgery spike at one gate; a gate falling silent; the
//! board's stream moves within 2 s of a check-in; a viewer's page, JSON and stream carry no full
//! name, email or phone (raw bytes), a manager's do; the per-gate per-hour summary and the
//! no-show list (managers only). On PostgreSQL (INGIA_TEST_DATABASE_URL), a check-in sent to
//! one instance reaches a dashboard held on another within 2 s.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::console::{team, Browser, HOST};
use common::*;
use ingia_core::{EventId, GateId, Movement};
use ingia_server::console::accounts;
use ingia_server::devices::Role;
use ingia_server::mail::{self, Mailer};
use ingia_server::util::now_ms;
use ingia_server::Db;
use serde_json::{json, Value};

async fn into_org(db: &Db, event: EventId, org: i64) {
    sqlx::query("UPDATE events SET org_id = $1 WHERE id = $2")
        .bind(org)
        .bind(event.0 as i64)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// Whether `attendees::sample_attendees_csv` made this holder's ticket a General one (any gate,
/// one entry).
fn is_general(holder: &str) -> bool {
    let i: usize = holder.trim_start_matches("Guest ").parse().unwrap();
    i % 10 != 9 && i % 7 != 6
}

async fn push(router: &axum::Router, token: &str, records: Vec<Value>) -> Value {
    let (status, v) = call(router, "POST", "/api/checkins", Some(token), Some(json!({ "records": records }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

async fn board(b: &Browser, event: EventId) -> (Value, String) {
    let a = b.get(&format!("/console/events/{}/live.json", event.0)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    (serde_json::from_str(&a.body).unwrap(), a.body)
}

async fn scalar(db: &Db, sql: &str, event: EventId) -> i64 {
    sqlx::query_scalar(sql).bind(event.0 as i64).fetch_one(&db.pool).await.unwrap()
}

/// A dashboard's open stream.
struct Stream {
    sse: common::live::SseBody,
}

impl Stream {
    async fn open(router: &axum::Router, b: &Browser, event: EventId) -> Stream {
        let req = Request::get(format!("/console/events/{}/live/stream", event.0))
            .header("host", HOST)
            .header("cookie", format!("{}={}", accounts::COOKIE, b.cookie.as_deref().unwrap()))
            .body(Body::empty())
            .unwrap();
        Stream { sse: common::live::SseBody::open(router, req).await }
    }

    /// The next board (its markup) within `within`.
    async fn next(&mut self, within: Duration) -> Option<String> {
        let ev = self.sse.next(within).await?;
        assert_eq!(ev.event, "board");
        Some(ev.data)
    }

    /// Boards until one shows `checked_in` admissions (the span's text), within `within`.
    async fn until_checked_in(&mut self, checked_in: u64, within: Duration) -> Option<String> {
        let until = Instant::now() + within;
        let want = format!("<span id=\"checked-in\">{checked_in}</span>");
        loop {
            let left = until.checked_duration_since(Instant::now())?;
            let b = self.next(left).await?;
            if b.contains(&want) {
                return Some(b);
            }
        }
    }
}

#[tokio::test]
async fn the_board_counts_what_the_database_holds_and_raises_each_alert_once() {
    let db = fresh_db().await;
    let t = team(&db, 60_000).await;
    let ev = event(&db, &keys(), 12).await;
    into_org(&db, ev.id, t.org).await;
    ingia_server::events::set_capacity(&db, ev.id, 10).await.unwrap();
    let (dev, token) = device(&db, ev.id, MAIN, Role::Steward).await;
    let general: Vec<u32> = ev.tickets.iter().filter(|t| is_general(&t.holder)).map(|t| t.id.0).take(9).collect();
    assert_eq!(general.len(), 9);
    let now = now_ms();
    // Seven admissions: 70% of a capacity of 10, no alert yet.
    let records = (0..7).map(|i| record(dev, i + 1, &ev, Some(general[i as usize]), MAIN, true, now - 1000)).collect();
    push(&t.router, &token, records).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!((b["checked_in"].as_u64(), b["inside"].as_u64(), b["capacity"].as_u64()), (Some(7), Some(7), Some(10)));
    assert_eq!(
        b["total"].as_i64(),
        Some(scalar(&db, "SELECT COUNT(*) FROM tickets WHERE event_id = $1 AND issued = 1", ev.id).await)
    );
    assert!(b["capacity_step"].is_null());
    assert_eq!(b["gates"][0]["admitted"].as_u64(), Some(7));
    assert_eq!(b["gates"][0]["rate"].as_f64(), Some(1.4), "7 in the last 5 minutes");
    let chart: u64 = b["per_minute"].as_array().unwrap().iter().map(|p| p[1].as_u64().unwrap()).sum();
    assert_eq!(chart, 7);
    // The eighth: 80%, alerted once, even when the ninth (90%) and an exit and re-count follow.
    push(&t.router, &token, vec![record(dev, 8, &ev, Some(general[7]), MAIN, true, now - 900)]).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!(b["capacity_step"].as_u64(), Some(80));
    let kinds = |b: &Value| -> Vec<String> {
        b["alerts"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(kinds(&b), ["capacity_80"]);
    let page = t.viewer.get(&format!("/console/events/{}/live", ev.id.0)).await;
    assert!(page.body.contains("data-kind=\"capacity_80\"") && page.body.contains("80% of capacity"), "{}", page.body);
    // An exit and the same ticket back in (General has no re-entry: refused on the server).
    let out = moving(dev, 9, &ev, Some(general[0]), MAIN, true, now - 800, Movement::Exit);
    push(&t.router, &token, vec![out]).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!((b["checked_in"].as_u64(), b["inside"].as_u64()), (Some(8), Some(7)));
    assert!(b["capacity_step"].is_null(), "70% inside again");
    push(&t.router, &token, vec![record(dev, 10, &ev, Some(general[8]), MAIN, true, now - 700)]).await;
    push(&t.router, &token, vec![record(dev, 11, &ev, Some(general[0]), MAIN, true, now - 600)]).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!(kinds(&b), ["capacity_80"], "80% again is not a second alert");
    assert_eq!(b["gates"][0]["exits"].as_u64(), Some(1));
    // Five forged codes at the Main gate within 5 minutes: one alert, however many follow.
    let forged = (0..7).map(|i| record(dev, 20 + i, &ev, None, MAIN, false, now - 500 + i)).collect();
    push(&t.router, &token, forged).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!(kinds(&b), ["forgery_spike", "capacity_80"]);
    let refused: u64 = b["refusals"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(
        refused as i64,
        scalar(&db, "SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND result <> 'admitted'", ev.id).await
    );
    assert_eq!(b["gates"][0]["refused"].as_u64(), Some(refused));
    assert!(b["refusals"].as_array().unwrap().iter().any(|r| r["reason"] == "forged" && r["count"] == 7));
    // The board's counts are the database's.
    assert_eq!(
        b["checked_in"].as_i64(),
        Some(scalar(&db, "SELECT COUNT(*) FROM presence WHERE event_id = $1 AND first_at IS NOT NULL", ev.id).await)
    );
    assert_eq!(
        b["inside"].as_i64(),
        Some(scalar(&db, "SELECT COUNT(*) FROM presence WHERE event_id = $1 AND inside_at IS NOT NULL", ev.id).await)
    );
    // The device is in contact; a device last heard 3 minutes ago is silent, and so its gate.
    assert_eq!(b["gates"][0]["devices"][0]["silent"], false);
    sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
        .bind((now_ms() - 180_000) as i64)
        .bind(i64::from(dev))
        .execute(&db.pool)
        .await
        .unwrap();
    // (The board is shared for under a second after a read; the next read is fresh.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (b, _) = board(&t.viewer, ev.id).await;
    assert_eq!(
        (b["gates"][0]["silent"].as_bool(), b["gates"][0]["devices"][0]["silent"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(b["gates"][1]["silent"], false, "a gate with no device is not flagged");
    // The per-gate per-hour summary adds up to the same.
    let csv = t.viewer.get(&format!("/console/events/{}/report/hours.csv", ev.id.0)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("hour,gate,admitted,exits,refused\n"), "{}", csv.body);
    let sums = csv.body.lines().skip(1).fold((0, 0, 0), |acc, l| {
        let f: Vec<&str> = l.split(',').collect();
        (
            acc.0 + f[2].parse::<u64>().unwrap(),
            acc.1 + f[3].parse::<u64>().unwrap(),
            acc.2 + f[4].parse::<u64>().unwrap(),
        )
    });
    assert_eq!(sums, (b["gates"][0]["admitted"].as_u64().unwrap(), 1, refused));
    let report = t.viewer.get(&format!("/console/events/{}/report", ev.id.0)).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("Per gate and hour") && report.body.contains("data-print"));
    // Started 10 minutes ago: no no-shows yet.
    assert!(b["no_shows"].is_null());
    // Another team cannot open it (nor learn that it exists).
    assert_eq!(t.stranger.get(&format!("/console/events/{}/live.json", ev.id.0)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_alert_is_mailed_once_to_the_events_address() {
    let db = fresh_db().await;
    let t = team(&db, 60_000).await;
    let ev = event(&db, &keys(), 12).await;
    into_org(&db, ev.id, t.org).await;
    ingia_server::events::set_capacity(&db, ev.id, 5).await.unwrap();
    let bad = ingia_server::events::set_alert_email(&db, ev.id, Some("not an address")).await;
    assert!(matches!(bad, Err(ingia_server::Error::BadRequest(_))), "{bad:?}");
    ingia_server::events::set_alert_email(&db, ev.id, Some(" ops@lagoslive.ng ")).await.unwrap();
    let (dev, token) = device(&db, ev.id, MAIN, Role::Steward).await;
    let general: Vec<u32> = ev.tickets.iter().filter(|t| is_general(&t.holder)).map(|t| t.id.0).take(5).collect();
    let now = now_ms();
    // 4 of 5 inside: 80%; then 5: full. Two alerts, two mails, however often they are re-checked.
    let records = (0..4).map(|i| record(dev, i + 1, &ev, Some(general[i as usize]), MAIN, true, now - 1000)).collect();
    push(&t.router, &token, records).await;
    push(&t.router, &token, vec![record(dev, 5, &ev, Some(general[4]), MAIN, true, now - 900)]).await;
    push(&t.router, &token, vec![record(dev, 5, &ev, Some(general[4]), MAIN, true, now - 900)]).await;
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM alert_mails WHERE event_id = $1", ev.id).await, 2);

    // The mail server is down: both wait for their backoff, nothing is lost.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down =
        Mailer::new(&format!("smtp://127.0.0.1:{closed}"), "Ingia <alerts@lagoslive.ng>", "http://gate.test").unwrap();
    assert_eq!(mail::send_alerts_due(&db, &down).await.unwrap(), 2);
    assert_eq!(mail::send_alerts_due(&db, &down).await.unwrap(), 0, "not due again before the backoff");
    sqlx::query("UPDATE alert_mails SET next_at = 0 WHERE event_id = $1")
        .bind(ev.id.0 as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    let smtp = Smtp::start();
    let up = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "Ingia <alerts@lagoslive.ng>", "http://gate.test")
        .unwrap();
    assert_eq!(mail::send_alerts_due(&db, &up).await.unwrap(), 2);
    assert_eq!(mail::send_alerts_due(&db, &up).await.unwrap(), 0, "never sent twice");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let all = mails.join("\n");
    assert!(all.contains("To: ops@lagoslive.ng"), "{all}");
    assert!(all.contains("Subject: Ingia alert: 80% of capacity at "), "{all}");
    assert!(all.contains("Subject: Ingia alert: Full: capacity reached at "), "{all}");
    assert!(all.contains("4 inside of 5") && all.contains("5 inside of 5"), "{all}");
    assert!(all.contains(&format!("http://gate.test/console/events/{}/live", ev.id.0)), "{all}");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM alert_mails WHERE event_id = $1 AND state = 'sent'", ev.id).await, 2);
    // The manager's edit form shows the address.
    let page = t.manager.get(&format!("/console/events/{}", ev.id.0)).await;
    assert!(page.body.contains("name=\"alert_email\"") && page.body.contains("ops@lagoslive.ng"), "{}", page.body);
}

#[tokio::test]
async fn the_stream_moves_within_two_seconds_and_a_viewer_never_receives_a_full_name() {
    let db = fresh_db().await;
    let t = team(&db, 60_000).await;
    let ev = event(&db, &keys(), 6).await;
    into_org(&db, ev.id, t.org).await;
    // Started an hour ago: the no-show list is due.
    sqlx::query("UPDATE events SET starts_secs = starts_secs - 3600 WHERE id = $1")
        .bind(ev.id.0 as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    let (a, token_a) = device(&db, ev.id, MAIN, Role::Steward).await;
    let (b_dev, token_b) = device(&db, ev.id, MAIN, Role::Steward).await;
    let mut viewer = Stream::open(&t.router, &t.viewer, ev.id).await;
    let mut manager = Stream::open(&t.router, &t.manager, ev.id).await;
    assert!(viewer.until_checked_in(0, Duration::from_secs(2)).await.is_some(), "the board at once");
    assert!(manager.until_checked_in(0, Duration::from_secs(2)).await.is_some());
    // One ticket admitted at two gates offline: the second is a conflict, with both sides.
    let holder = &ev.tickets[0];
    let now = now_ms();
    let started = Instant::now();
    push(&t.router, &token_a, vec![record(a, 1, &ev, Some(holder.id.0), MAIN, true, now - 2000)]).await;
    let seen = viewer.until_checked_in(1, Duration::from_secs(2)).await.expect("the viewer's board moves within 2 s");
    eprintln!("check-in -> dashboard stream: {:?}", started.elapsed());
    assert!(seen.contains("data-sum=\"1\""), "the chart moved: {seen}");
    push(&t.router, &token_b, vec![record(b_dev, 1, &ev, Some(holder.id.0), MAIN, true, now - 1000)]).await;
    let boards = |s: &Stream| String::from_utf8_lossy(&s.sse.raw).to_string();
    let until_conflict = async |s: &mut Stream| loop {
        let b = s.next(Duration::from_secs(3)).await.expect("the conflict's board");
        if b.contains("table class=\"conflicts\"") {
            return b;
        }
    };
    let seen = until_conflict(&mut viewer).await;
    let initials = ingia_core::watch::initials(&holder.holder);
    assert!(seen.contains(&initials), "{seen}");
    let seen = until_conflict(&mut manager).await;
    assert!(seen.contains(&holder.holder), "a manager sees the full name: {seen}");
    // Raw bytes: the viewer's stream, page, JSON and report hold no full name, email or phone.
    let (_, json_raw) = board(&t.viewer, ev.id).await;
    let page = t.viewer.get(&format!("/console/events/{}/live", ev.id.0)).await;
    let report = t.viewer.get(&format!("/console/events/{}/report", ev.id.0)).await;
    let supervisor_json = t.supervisor.get(&format!("/console/events/{}/live.json", ev.id.0)).await.body;
    for (what, raw) in [
        ("stream", boards(&viewer)),
        ("json", json_raw),
        ("page", page.body),
        ("report", report.body),
        ("supervisor", supervisor_json),
    ] {
        for t in &ev.tickets {
            assert!(!raw.contains(&t.holder), "{what} holds {}", t.holder);
            assert!(!raw.contains(&t.email), "{what} holds {}", t.email);
        }
        assert!(!raw.contains("@example.org"), "{what}");
    }
    let (manager_json, _) = board(&t.manager, ev.id).await;
    assert_eq!(manager_json["conflicts"][0]["holder"], holder.holder.as_str());
    assert_eq!(manager_json["conflicts"][0]["winner_device"].as_u64(), Some(u64::from(a)));
    assert_eq!(manager_json["conflict_count"].as_u64(), Some(1));
    // The no-show list: its count to everyone, the names and contacts to managers only.
    assert_eq!(manager_json["no_shows"].as_u64(), Some(ev.tickets.len() as u64 - 1));
    let path = format!("/console/events/{}/report/no-shows.csv", ev.id.0);
    assert_eq!(t.viewer.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.supervisor.get(&path).await.status, StatusCode::FORBIDDEN);
    let csv = t.manager.get(&path).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), ev.tickets.len(), "a header and every ticket but the one admitted");
    assert!(csv.body.contains(&ev.tickets[1].email) && !csv.body.contains(&holder.holder));
    let report = t.manager.get(&format!("/console/events/{}/report", ev.id.0)).await;
    assert!(report.body.contains(&ev.tickets[1].holder));
    assert_eq!(
        t.viewer.get(&format!("/console/events/{}/report/attendance.csv", ev.id.0)).await.status,
        StatusCode::FORBIDDEN
    );
    // Signed out: a new stream goes to the sign-in page (an open one ends at its next check).
    let out = t.viewer.post("/console/signout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let again = t.viewer.get(&format!("/console/events/{}/live/stream", ev.id.0)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_check_in_at_one_instance_reaches_a_dashboard_on_another() {
    let url = fresh_database_url().await;
    if !url.starts_with("postgres") {
        eprintln!("SQLite runs one instance: this test runs on PostgreSQL (INGIA_TEST_DATABASE_URL)");
        return;
    }
    let one = Db::connect(&url).await.unwrap();
    let two = Db::connect(&url).await.unwrap();
    ingia_server::live::listen(&two);
    let t = team(&one, 60_000).await;
    let ev = event(&one, &keys(), 4).await;
    into_org(&one, ev.id, t.org).await;
    let (a, token) = device(&one, ev.id, GateId(0), Role::Steward).await;
    let r2 = common::console::router(&two, 60_000);
    let mut dash = Stream::open(&r2, &t.viewer, ev.id).await;
    assert!(dash.until_checked_in(0, Duration::from_secs(2)).await.is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (i, ticket) in ev.tickets.iter().filter(|t| is_general(&t.holder)).take(3).enumerate() {
        let started = Instant::now();
        push(&t.router, &token, vec![record(a, i as u64 + 1, &ev, Some(ticket.id.0), MAIN, true, now_ms())]).await;
        let got = dash.until_checked_in(i as u64 + 1, Duration::from_secs(2)).await;
        assert!(got.is_some(), "instance 1 -> dashboard on instance 2 within 2 s");
        eprintln!("instance 1 -> dashboard on instance 2: {:?}", started.elapsed());
    }
}
