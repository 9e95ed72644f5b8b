//! The HTTP API through `app()`, on SQLite or (with INGIA_TEST_DATABASE_URL) PostgreSQL:
//! the authorization matrix, first-wins sync, manifests, wallet, bad input, rate limits.

mod common;

use axum::http::StatusCode;
use common::*;
use ingia_core::rotating::current_code;
use ingia_core::{validate, Ledger, Manifest, ManifestDelta, Movement, Presented, Scan, TicketStatus, UnixMillis};
use ingia_server::devices::Role;
use ingia_server::util::now_ms;
use serde_json::json;

#[tokio::test]
async fn authorization_matrix() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 20).await;
    let b = event(&db, &m, 20).await;
    let r = router(&db);
    let (steward_a, steward) = device(&db, a.id, MAIN, Role::Steward).await;
    let (_, supervisor) = device(&db, a.id, MAIN, Role::Supervisor).await;
    let (_, kiosk) = device(&db, a.id, MAIN, Role::Kiosk).await;
    let (_, steward_b) = device(&db, b.id, MAIN, Role::Steward).await;

    // Nothing but pairing and the wallet works without a token, or with a made-up one.
    for (method, uri) in [
        ("GET", "/api/manifest?since=0"),
        ("GET", "/api/admissions?since=0"),
        ("GET", "/api/stats"),
        ("GET", "/api/conflicts"),
        ("GET", "/api/device"),
        ("POST", "/api/checkins"),
    ] {
        let body = (method == "POST").then(|| json!({"records": []}));
        for token in [None, Some("ingd_0000"), Some("ingo_1111"), Some("garbage")] {
            let (status, v) = call(&r, method, uri, token, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} with {token:?}: {v}");
            assert_eq!(v["error"]["code"], "unauthorized");
        }
    }
    // A device sees its own event only: the event comes from the token.
    let (status, bytes) = call_raw(&r, "GET", "/api/manifest?since=0", Some(&steward_b), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(Manifest::decode(&bytes).unwrap().event.id, b.id);
    let (_, info) = call(&r, "GET", "/api/device", Some(&steward), None).await;
    assert_eq!(info["event_id"], a.id.0.to_string());
    assert_eq!(info["role"], "steward");
    // ... and cannot check in for another event, another device or another gate.
    let now = now_ms();
    for bad in [
        record(steward_a, 1, &b, Some(1), MAIN, true, now),
        record(steward_a + 1000, 1, &a, Some(1), MAIN, true, now),
        record(steward_a, 1, &a, Some(1), VIP, true, now),
    ] {
        let (status, v) = call(&r, "POST", "/api/checkins", Some(&steward), Some(json!({"records": [bad]}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    }
    // Roles: stats for stewards and supervisors, not kiosks; conflicts for supervisors only.
    assert_eq!(call(&r, "GET", "/api/stats", Some(&steward), None).await.0, StatusCode::OK);
    assert_eq!(call(&r, "GET", "/api/stats", Some(&supervisor), None).await.0, StatusCode::OK);
    assert_eq!(call(&r, "GET", "/api/stats", Some(&kiosk), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&r, "GET", "/api/conflicts", Some(&steward), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&r, "GET", "/api/conflicts", Some(&supervisor), None).await.0, StatusCode::OK);
    // The organizer's dashboard token reads stats of its own event, but is not a device.
    let (status, s) = call(&r, "GET", "/api/stats", Some(&b.organizer_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["total"], 20);
    assert_eq!(
        call(&r, "GET", "/api/manifest?since=0", Some(&a.organizer_token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A revoked device is refused at once.
    ingia_server::devices::revoke(&db, "cli", a.id, ingia_core::DeviceId(steward_a)).await.unwrap();
    let (status, v) = call(&r, "GET", "/api/manifest?since=0", Some(&steward), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "device_revoked");
    // Revoking a device of another event fails and changes nothing.
    assert!(ingia_server::devices::revoke(&db, "cli", b.id, ingia_core::DeviceId(steward_a + 1)).await.is_err());
}

#[tokio::test]
async fn pairing_codes_work_once() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 3).await;
    let r = router(&db);
    let p = ingia_server::devices::create_pairing(&db, "cli", a.id, VIP, Role::Steward, 60_000).await.unwrap();
    let (status, v) = call(&r, "POST", "/api/pair", None, Some(json!({"code": p.code, "name": "Gate phone"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["gate"], 1);
    let token = v["device_token"].as_str().unwrap().to_string();
    assert_eq!(call(&r, "GET", "/api/device", Some(&token), None).await.0, StatusCode::OK);
    let (status, v) = call(&r, "POST", "/api/pair", None, Some(json!({"code": p.code}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    // An expired code.
    let old = ingia_server::devices::create_pairing(&db, "cli", a.id, VIP, Role::Steward, 0).await.unwrap();
    assert_eq!(call(&r, "POST", "/api/pair", None, Some(json!({"code": old.code}))).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn first_admission_wins_and_answers_are_idempotent() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 30).await;
    let r = router(&db);
    let (d1, t1) = device(&db, a.id, MAIN, Role::Steward).await;
    let (d2, t2) = device(&db, a.id, MAIN, Role::Steward).await;
    let now = now_ms();
    let push = |token: &str, records: Vec<serde_json::Value>| {
        let token = token.to_string();
        let r = r.clone();
        async move { call(&r, "POST", "/api/checkins", Some(&token), Some(json!({ "records": records }))).await }
    };
    let (status, v) = push(&t1, vec![record(d1, 1, &a, Some(1), MAIN, true, now)]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["outcome"]["outcome"], "accepted");
    assert_eq!(v["results"][0]["duplicate"], false);
    assert!(v["server_time"].as_u64().unwrap() >= now);
    // The same record again: the same answer, marked duplicate.
    let (_, again) = push(&t1, vec![record(d1, 1, &a, Some(1), MAIN, true, now)]).await;
    assert_eq!(again["results"][0]["outcome"], v["results"][0]["outcome"]);
    assert_eq!(again["results"][0]["duplicate"], true);
    // Another device admitted the same ticket offline: a conflict naming the winner.
    let (_, c) = push(&t2, vec![record(d2, 1, &a, Some(1), MAIN, true, now - 5_000)]).await;
    assert_eq!(c["results"][0]["outcome"]["outcome"], "conflict");
    assert_eq!(c["results"][0]["outcome"]["winner"]["device"], d1);
    assert_eq!(c["results"][0]["outcome"]["winner"]["at"], now);
    // Refused scans are recorded for the audit; unknown and revoked tickets are named.
    ingia_server::tickets::set_status(&db, "cli", a.id, ingia_core::TicketId(2), TicketStatus::Refunded).await.unwrap();
    let (_, v) = push(
        &t2,
        vec![
            record(d2, 2, &a, Some(3), MAIN, false, now),
            record(d2, 3, &a, Some(999), MAIN, true, now),
            record(d2, 4, &a, Some(2), MAIN, true, now),
        ],
    )
    .await;
    let outcomes: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|x| x["outcome"]["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["recorded", "unknown", "revoked"]);
    assert_eq!(v["results"][2]["outcome"]["status"], "refunded");
    // Other gates learn the accepted admission through the admissions delta.
    let (_, adm) = call(&r, "GET", "/api/admissions?since=0", Some(&t2), None).await;
    assert_eq!(adm["seq"], 1);
    assert_eq!(adm["admissions"].as_array().unwrap().len(), 1);
    assert_eq!(adm["admissions"][0]["ticket"], 1);
    assert_eq!(adm["admissions"][0]["standing"]["accepted"]["seq"], 1);
    // Stats and conflicts for the supervisor.
    let (_, sup) = device(&db, a.id, MAIN, Role::Supervisor).await;
    let (_, s) = call(&r, "GET", "/api/stats", Some(&sup), None).await;
    assert_eq!(s["checked_in"], 1);
    assert_eq!(s["conflicts"], 1);
    assert_eq!(s["gates"][0]["admitted"], 1);
    let (_, list) = call(&r, "GET", "/api/conflicts", Some(&sup), None).await;
    assert_eq!(list[0]["holder"], "Guest 0");
    assert_eq!(list[0]["winner_device"], d1);
    // Every attempt is in the export's source: the check-ins table holds all five records.
    let csv = ingia_server::checkins::export_csv(&db, a.id).await.unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("1,Guest 0,General,active,"), "{csv}");
    assert!(csv.lines().nth(2).unwrap().contains(",refunded,"), "{csv}");
}

#[tokio::test]
async fn manifest_deltas_decide_offline_exactly_as_issued() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 12).await;
    let r = router(&db);
    let (_, t) = device(&db, a.id, MAIN, Role::Steward).await;
    let (status, bytes) = call_raw(&r, "GET", "/api/manifest?since=0", Some(&t), None).await;
    assert_eq!(status, StatusCode::OK);
    let mut manifest = Manifest::decode(&bytes).unwrap();
    assert_eq!(manifest.ticket_count(), 12);
    // A download cut short resumes: the rest of the same bytes, from where the phone stopped.
    let resume = |from: usize, revision: u64| format!("/api/manifest?since=0&from={from}&revision={revision}");
    let (status, rest) = call_raw(&r, "GET", &resume(100, manifest.revision), Some(&t), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rest, bytes[100..]);
    let (_, none) = call_raw(&r, "GET", &resume(bytes.len(), manifest.revision), Some(&t), None).await;
    assert!(none.is_empty());
    for bad in [
        resume(bytes.len() + 1, manifest.revision),
        "/api/manifest?since=0&from=3".to_string(),
        format!("/api/manifest?since={}&from=3&revision={}", manifest.revision, manifest.revision),
    ] {
        assert_eq!(call_raw(&r, "GET", &bad, Some(&t), None).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    // A real token, as the attendee's wallet shows it, admits offline against this manifest.
    let ticket = &a.tickets[0];
    let entry = manifest.ticket(ticket.id).unwrap().clone();
    // A steward's phone gets the entry sealed: no name, no code secret until its ticket is shown.
    assert!(entry.sealed.is_some() && entry.holder.is_empty() && entry.code_secret.0 == [0; 16]);
    let now = UnixMillis(now_ms());
    let token = ingia_core::TicketToken::parse(&ticket.credential).unwrap();
    let opened = manifest.open(&entry, &token.signed.signature).unwrap();
    assert_eq!((opened.holder.as_str(), opened.code_secret), (ticket.holder.as_str(), ticket.code_secret));
    let live = token.signed.with_code(current_code(&ticket.code_secret, now, manifest.event.code_step_secs)).to_text();
    let scan = Scan { presented: Presented::Qr(&live), movement: Movement::Entry };
    assert!(validate(&scan, &manifest, &Ledger::new(), MAIN, now).is_admit());
    // The printed form of a General ticket needs the live code.
    let printed = Scan { presented: Presented::Qr(&ticket.credential), movement: Movement::Entry };
    assert!(!validate(&printed, &manifest, &Ledger::new(), MAIN, now).is_admit());
    // A revocation reaches the device in a small delta.
    ingia_server::tickets::set_status(&db, "cli", a.id, ticket.id, TicketStatus::Revoked).await.unwrap();
    let (_, bytes) = call_raw(&r, "GET", &format!("/api/manifest?since={}", manifest.revision), Some(&t), None).await;
    let delta = ManifestDelta::decode(&bytes).unwrap();
    assert_eq!(delta.tickets.len(), 1);
    // A download resumed from bytes of the older revision starts again from zero, whole.
    let (_, again) = call_raw(&r, "GET", &resume(100, manifest.revision), Some(&t), None).await;
    let old_revision = manifest.revision;
    manifest.apply(delta).unwrap();
    let whole = Manifest::decode(&again).unwrap();
    assert!(whole.revision > old_revision);
    assert_eq!(whole.ticket(ticket.id).unwrap().status, TicketStatus::Revoked);
    assert!(!validate(&scan, &manifest, &Ledger::new(), MAIN, now).is_admit());
    // The wallet link gives the holder everything needed offline, and nothing else.
    let (status, w) = call(&r, "POST", "/api/wallet", None, Some(json!({"token": ticket.wallet_token}))).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["credential"], ticket.credential);
    assert_eq!(w["code_secret"], ingia_server::util::hex(&ticket.code_secret.0));
    // A General ticket takes the live code only: the wallet gets no PIN to show.
    assert_eq!(w["pin"], "");
    assert_eq!(w["ways"], json!({"printed": false, "pin": false, "phone": false}));
    let (status, _) = call(&r, "POST", "/api/wallet", None, Some(json!({"token": "ingw_nope"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_the_server_keeps_serving() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 5).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    let cases: Vec<(Vec<u8>, StatusCode)> = vec![
        (b"{not json".to_vec(), StatusCode::BAD_REQUEST),
        (br#"{"records": [], "sneaky": 1}"#.to_vec(), StatusCode::BAD_REQUEST),
        (json!({"records": [{"device": d, "scan_id": 1}]}).to_string().into_bytes(), StatusCode::BAD_REQUEST),
        (
            json!({"records": [record(d, 1, &a, Some(1), MAIN, true, now_ms())], "x": 2}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (vec![b' '; 600 * 1024], StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (body, expected) in cases {
        let (status, bytes) = call_raw(&r, "POST", "/api/checkins", Some(&t), Some(body)).await;
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]));
        if status == StatusCode::BAD_REQUEST {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(v["error"]["code"], "bad_request");
        }
    }
    let mut rec = record(d, 1, &a, Some(1), MAIN, true, now_ms());
    rec["unknown_field"] = json!(true);
    assert_eq!(
        call(&r, "POST", "/api/checkins", Some(&t), Some(json!({"records": [rec]}))).await.0,
        StatusCode::BAD_REQUEST
    );
    let too_many: Vec<_> = (0..501).map(|i| record(d, i, &a, None, MAIN, false, now_ms())).collect();
    assert_eq!(
        call(&r, "POST", "/api/checkins", Some(&t), Some(json!({"records": too_many}))).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(call(&r, "GET", "/api/manifest?since=-1", Some(&t), None).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(call(&r, "GET", "/api/nothing-here", Some(&t), None).await.0, StatusCode::NOT_FOUND);
    // Still serving.
    let (status, v) = call(
        &r,
        "POST",
        "/api/checkins",
        Some(&t),
        Some(json!({"records": [record(d, 1, &a, Some(1), MAIN, true, now_ms())]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn csv_import_reports_every_bad_line_and_imports_nothing() {
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 0).await;
    let csv = "name,email,ticket_type\nGood One,g@x.org,General\n,x@y.org,General\nBad Type,,Platinum\nBad Mail,nope,VIP\nGood Two,,printed\n";
    let report = ingia_server::attendees::import_csv(&db, a.id, csv.as_bytes(), false).await.unwrap();
    let lines: Vec<u64> = report.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert!(report.bad[1].problem.contains("Platinum"));
    assert_eq!(report.imported, 0);
    assert!(ingia_server::tickets::issue_pending(&db, &m, a.id).await.unwrap().is_empty());
    let report = ingia_server::attendees::import_csv(&db, a.id, csv.as_bytes(), true).await.unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(ingia_server::tickets::issue_pending(&db, &m, a.id).await.unwrap().len(), 2);
    assert!(ingia_server::attendees::import_csv(&db, a.id, b"who,what\nx,y\n", false).await.is_err());
}

#[tokio::test]
async fn pairing_is_rate_limited_with_retry_after() {
    let db = fresh_db().await;
    let r = router(&db);
    let mut limited = None;
    for _ in 0..20 {
        let (status, _) = call(&r, "POST", "/api/pair", None, Some(json!({"code": "ingp_guess"}))).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(status);
            break;
        }
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(limited, Some(StatusCode::TOO_MANY_REQUESTS));
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/pair")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"code":"ingp_guess"}"#))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(r.clone(), req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").unwrap().to_str().unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn the_pwa_is_served_precompressed_with_each_page_at_its_path_and_the_scanner_elsewhere() {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let db = fresh_db().await;
    let dir = std::env::temp_dir().join(format!("ingia-static-{}", now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html>shell").unwrap();
    std::fs::write(dir.join("index.html.br"), b"BR-INDEX").unwrap();
    std::fs::write(dir.join("wallet.html"), "<!doctype html>wallet").unwrap();
    std::fs::write(dir.join("wallet.html.br"), b"BR-WALLET").unwrap();
    std::fs::write(dir.join("kiosk.html"), "<!doctype html>kiosk").unwrap();
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm plain").unwrap();
    std::fs::write(dir.join("app_bg.wasm.br"), b"BR-WASM").unwrap();
    std::fs::write(dir.join("app_bg.wasm.gz"), b"GZ-WASM").unwrap();
    let router = ingia_server::api::app(ingia_server::api::AppState::new(db.clone(), keys(), Some(dir.clone())))
        .layer(axum::extract::connect_info::MockConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 4000))));
    let get = |uri: &'static str, accept: &'static str| {
        let router = router.clone();
        async move {
            let req = axum::http::Request::get(uri).header("accept-encoding", accept).body(Body::empty()).unwrap();
            let resp = router.oneshot(req).await.unwrap();
            let encoding =
                resp.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            let body = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
            (encoding, String::from_utf8_lossy(&body).to_string())
        }
    };
    assert_eq!(get("/app_bg.wasm", "gzip, deflate, br").await, ("br".into(), "BR-WASM".into()));
    assert_eq!(get("/app_bg.wasm", "gzip").await, ("gzip".into(), "GZ-WASM".into()));
    assert_eq!(get("/app_bg.wasm", "identity").await, (String::new(), "\0asm plain".into()));
    // Each page at its path, compressed the same way; every other path is the scanner.
    assert_eq!(get("/wallet", "br").await, ("br".into(), "BR-WALLET".into()));
    assert_eq!(get("/kiosk", "identity").await, (String::new(), "<!doctype html>kiosk".into()));
    assert_eq!(get("/wallet/", "br").await, ("br".into(), "BR-WALLET".into()));
    assert_eq!(get("/pair", "br").await, ("br".into(), "BR-INDEX".into()));
    assert_eq!(get("/", "identity").await, (String::new(), "<!doctype html>shell".into()));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The scanner's own encoding (`ingia_core::exchange`): a binary push gets binary results, a
/// binary-accepting pull gets binary admissions, and they say what the JSON says.
#[tokio::test]
async fn the_binary_sync_exchange_matches_the_json_one() {
    use ingia_core::exchange;
    use ingia_core::{CheckIn, DeviceId, SyncOutcome};
    let db = fresh_db().await;
    let m = keys();
    let a = event(&db, &m, 10).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    let now = now_ms();
    let rec = |scan: u64, ticket: u32| -> CheckIn {
        serde_json::from_value(record(d, scan, &a, Some(ticket), MAIN, true, now)).unwrap()
    };
    let batch = [rec(1, 4), rec(2, 4)];
    let send = |body: Vec<u8>| call_typed(&r, "POST", "/api/checkins", Some(&t), exchange::MEDIA_TYPE, Some(body));
    let (status, ct, bytes) = send(exchange::encode_checkins(&batch)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct.as_deref(), Some(exchange::MEDIA_TYPE));
    let (server_time, results) = exchange::decode_results(&bytes).unwrap();
    assert!(server_time.0 >= now);
    assert_eq!(results[0].outcome, SyncOutcome::Accepted { seq: 1 });
    assert!(matches!(results[1].outcome, SyncOutcome::Conflict { winner } if winner.device == DeviceId(d)));
    // Resent, the same answers, now duplicates.
    let (_, _, again) = send(exchange::encode_checkins(&batch[..1])).await;
    let (_, again) = exchange::decode_results(&again).unwrap();
    assert_eq!((again[0].outcome, again[0].duplicate), (SyncOutcome::Accepted { seq: 1 }, true));
    // Damaged bytes are a clear 400, in the error envelope.
    let (status, _, body) = send(vec![b'I', b'G', b'C', 9]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    // More than a batch may hold is refused, as in JSON.
    let many: Vec<CheckIn> = (0..=ingia_server::api::MAX_BATCH as u64).map(|i| rec(100 + i, 5)).collect();
    let (status, _, _) = send(exchange::encode_checkins(&many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Admissions, binary, agree with the JSON answer.
    let (_, _, bytes) = call_typed(&r, "GET", "/api/admissions?since=0", Some(&t), exchange::MEDIA_TYPE, None).await;
    let (_, next, entries) = exchange::decode_admissions(&bytes).unwrap();
    let (_, json) = call(&r, "GET", "/api/admissions?since=0", Some(&t), None).await;
    assert_eq!(next, json["seq"].as_u64().unwrap());
    assert_eq!(entries.len(), 1);
    assert_eq!(serde_json::to_value(entries).unwrap(), json["admissions"]);
}
