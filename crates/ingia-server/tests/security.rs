//! What a stolen device token or a copied database can do (docs/security.md): admissions
//! without a true proof are stored and not counted; a device over its ceiling is held back and
//! the organizer told; a revoked device's admissions are annulled in one action and those
//! attendees enter again at a gate; a database copy without the master key makes no ticket.

mod common;

use axum::http::StatusCode;
use common::*;
use ingia_core::{
    validate, CheckIn, Ledger, Manifest, Movement, Presented, Proof, Scan, TicketToken, UnixMillis, Verdict,
};
use ingia_server::devices::Role;
use ingia_server::util::now_ms;
use serde_json::{json, Value};
use sqlx::Row;

async fn push(r: &axum::Router, token: &str, records: Vec<Value>) -> Value {
    let (status, v) = call(r, "POST", "/api/checkins", Some(token), Some(json!({ "records": records }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

/// A gate's pull of other gates' admissions into its ledger; the next cursor.
async fn pull(r: &axum::Router, token: &str, ledger: &mut Ledger, since: u64) -> u64 {
    let (_, adm) = call(r, "GET", &format!("/api/admissions?since={since}"), Some(token), None).await;
    let entries: Vec<ingia_core::LedgerEntry> = serde_json::from_value(adm["admissions"].clone()).unwrap();
    ledger.merge_all(entries);
    adm["seq"].as_u64().unwrap()
}

fn outcomes(v: &Value) -> Vec<String> {
    v["results"].as_array().unwrap().iter().map(|x| x["outcome"]["outcome"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn admissions_without_a_true_proof_are_stored_not_counted() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 30).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    let now = now_ms();
    // A stolen token's forgery: the right ticket number, but no proof, or a made-up one, or the
    // proof of another ticket.
    let mut missing = record(d, 1, &a, Some(1), MAIN, true, now);
    missing["proof"] = json!("none");
    let mut made_up = record(d, 2, &a, Some(2), MAIN, true, now);
    made_up["proof"] = json!({"qr": {"step": (now / 30_000) as u32, "digest": vec![7u8; 16]}});
    let mut borrowed = record(d, 3, &a, Some(4), MAIN, true, now);
    borrowed["ticket"] = json!(5);
    let v = push(&r, &t, vec![missing, made_up, borrowed]).await;
    assert_eq!(outcomes(&v), ["doubted", "doubted", "doubted"]);
    assert_eq!(v["results"][0]["outcome"]["doubt"], "no_proof");
    assert_eq!(v["results"][1]["outcome"]["doubt"], "wrong_proof");
    assert_eq!(v["results"][2]["outcome"]["doubt"], "wrong_proof");
    // A VIP ticket (VIP gate only) reported from the main gate, a record dated 1970 or a day
    // ahead: the device could not have decided them.
    let vip = 10; // every tenth attendee holds a VIP ticket
    let v = push(
        &r,
        &t,
        vec![
            record(d, 4, &a, Some(vip), MAIN, true, now),
            record(d, 5, &a, Some(6), MAIN, true, 0),
            record(d, 6, &a, Some(7), MAIN, true, now + 86_400_000),
        ],
    )
    .await;
    let doubts: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|x| x["outcome"]["doubt"].as_str().unwrap()).collect();
    assert_eq!(doubts, ["wrong_gate", "outside_window", "outside_window"]);
    // All six are in the audit with their proofs; none counted; the organizer sees them.
    let rows = sqlx::query("SELECT outcome, doubt, proof FROM checkins WHERE event_id = $1")
        .bind(a.id.0 as i64)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.try_get::<String, _>("outcome").unwrap() == "doubted"));
    assert!(rows.iter().all(|r| r.try_get::<Option<Vec<u8>>, _>("proof").unwrap().is_some()));
    let (_, s) = call(&r, "GET", "/api/stats", Some(&a.organizer_token), None).await;
    assert_eq!(s["checked_in"], 0);
    assert_eq!(s["doubted"], 6);
    assert_eq!(s["alerts"].as_array().unwrap().len(), 6);
    // The true proof of the same ticket, then, counts.
    let v = push(&r, &t, vec![record(d, 7, &a, Some(1), MAIN, true, now)]).await;
    assert_eq!(outcomes(&v), ["accepted"]);
}

#[tokio::test]
async fn a_kiosk_admits_by_scanned_code_only() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 30).await;
    let r = router(&db);
    let (k, kt) = device(&db, a.id, MAIN, Role::Kiosk).await;
    // Ticket 7 is a Printed ticket (no live code): a PIN proof is a true one, but a kiosk has no
    // PIN entry and no name search.
    let printed = &a.tickets[6];
    let pin = printed.pin.to_string();
    let verdict = Verdict::Admit { ticket: printed.id, movement: Movement::Entry, reentry: false };
    let now = now_ms();
    let by_pin = CheckIn::from_verdict(
        ingia_core::DeviceId(k),
        ingia_core::ScanId(1),
        a.id,
        MAIN,
        "kiosk",
        UnixMillis(now),
        Movement::Entry,
        &verdict,
        Presented::Pin(&pin),
        printed.pin.digits(),
    );
    assert!(matches!(by_pin.proof, Proof::Pin { .. }));
    let v = push(&r, &kt, vec![serde_json::to_value(&by_pin).unwrap()]).await;
    assert_eq!(v["results"][0]["outcome"]["doubt"], "kiosk_by_name");
    // The same PIN record from a steward's phone counts.
    let (s, st) = device(&db, a.id, MAIN, Role::Steward).await;
    let mut steward = by_pin.clone();
    steward.device = ingia_core::DeviceId(s);
    steward.staff = "Ada".into();
    steward.proof = Proof::of(&steward, Presented::Pin(&pin), printed.pin.digits());
    let v = push(&r, &st, vec![serde_json::to_value(&steward).unwrap()]).await;
    assert_eq!(outcomes(&v), ["accepted"]);
}

#[tokio::test]
async fn a_device_over_its_ceiling_is_held_back_and_the_organizer_told() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 200).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    let now = now_ms();
    // A script with a stolen token: 120 true-looking admissions in 30 seconds of scan time
    // (it cannot make proofs; these are true ones, to show the ceiling alone holds it back).
    let records: Vec<Value> = (0..120u64)
        .filter_map(|i| {
            let ticket = i as u32 + 1;
            (!ticket.is_multiple_of(10)).then(|| record(d, i + 1, &a, Some(ticket), MAIN, true, now - 30_000 + i * 250))
        })
        .collect();
    let n = records.len();
    let v = push(&r, &t, records).await;
    let o = outcomes(&v);
    let accepted = o.iter().filter(|x| *x == "accepted").count();
    assert_eq!(accepted, ingia_core::proof::ADMISSIONS_PER_MINUTE as usize);
    assert_eq!(o.iter().filter(|x| *x == "doubted").count(), n - accepted);
    assert!(v["results"].as_array().unwrap()[accepted..].iter().all(|x| x["outcome"]["doubt"] == "over_ceiling"));
    let (_, s) = call(&r, "GET", "/api/stats", Some(&a.organizer_token), None).await;
    assert_eq!(s["checked_in"], accepted);
    let alert = &s["alerts"][0];
    assert_eq!(alert["kind"], "over_ceiling");
    assert_eq!(alert["device"], d);
    // A steward at a human pace never meets it: another device, one scan every 2 s.
    let (d2, t2) = device(&db, a.id, MAIN, Role::Steward).await;
    let paced: Vec<Value> = (121..=180u64)
        .filter(|i| i % 10 != 0)
        .map(|i| record(d2, i, &a, Some(i as u32), MAIN, true, now - 400_000 + i * 2_000))
        .collect();
    let v = push(&r, &t2, paced).await;
    assert!(outcomes(&v).iter().all(|x| x == "accepted"), "{v}");
}

#[tokio::test]
async fn annulling_a_revoked_device_lets_its_attendees_in_again_at_a_gate() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 40).await;
    let r = router(&db);
    let (thief, tt) = device(&db, a.id, MAIN, Role::Steward).await;
    let (_, gate) = device(&db, a.id, MAIN, Role::Steward).await;
    let now = now_ms();
    // Ticket 1 entered honestly before the theft; tickets 2..=5 were "admitted" by the thief.
    let v = push(
        &r,
        &tt,
        (1..=5).map(|i| record(thief, i, &a, Some(i as u32), MAIN, true, now - 60_000 + i * 5_000)).collect(),
    )
    .await;
    assert!(outcomes(&v).iter().all(|x| x == "accepted"));
    // The other gate has the event and the admissions: ticket 3's holder is refused there.
    let (_, bytes) = call_raw(&r, "GET", "/api/manifest?since=0", Some(&gate), None).await;
    let manifest = Manifest::decode(&bytes).unwrap();
    let mut ledger = Ledger::new();
    let cursor = pull(&r, &gate, &mut ledger, 0).await;
    let holder = &a.tickets[2];
    let at = UnixMillis(now_ms());
    let shown = TicketToken::parse(&holder.credential).unwrap().signed;
    let step = manifest.event.code_step_secs;
    let text = shown.with_code(ingia_core::rotating::current_code(&holder.code_secret, at, step)).to_text();
    let scan = Scan { presented: Presented::Qr(&text), movement: Movement::Entry };
    assert!(!validate(&scan, &manifest, &ledger, MAIN, at).is_admit(), "refused as already in");
    // Annulling an active device is refused: revoke first (the organizer's one action does both).
    let since = now - 60_000 + 2 * 5_000;
    let (status, v) = call(
        &r,
        "POST",
        "/api/devices/annul",
        Some(&a.organizer_token),
        Some(json!({"device": thief, "since_ms": since})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["annulled"], 4);
    // A device cannot do it; the thief's token is dead.
    let (status, _) =
        call(&r, "POST", "/api/devices/annul", Some(&gate), Some(json!({"device": thief, "since_ms": 0}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&r, "GET", "/api/admissions?since=0", Some(&tt), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The gate learns it at its next pull: ticket 3 admits again, ticket 1 is still inside.
    pull(&r, &gate, &mut ledger, cursor).await;
    assert!(validate(&scan, &manifest, &ledger, MAIN, at).is_admit());
    assert_eq!(ledger.admitted_tickets(), 1);
    // And the server agrees: the holder's entry now counts, once.
    let (gid, g) = device(&db, a.id, MAIN, Role::Steward).await;
    let v = push(&r, &g, vec![record(gid, 1, &a, Some(3), MAIN, true, at.0)]).await;
    assert_eq!(outcomes(&v), ["accepted"]);
    let (_, s) = call(&r, "GET", "/api/stats", Some(&a.organizer_token), None).await;
    assert_eq!(s["checked_in"], 2);
    let audit: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'device.annul'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(audit, 1);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `digits` as a number of its own: not inside a longer run of hex (a hash may hold any six digits).
fn contains_number(haystack: &[u8], digits: &str) -> bool {
    let n = digits.len();
    let hexish = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_hexdigit());
    (0..haystack.len().saturating_sub(n - 1)).any(|i| {
        &haystack[i..i + n] == digits.as_bytes()
            && !hexish(i.checked_sub(1).and_then(|j| haystack.get(j)))
            && !hexish(haystack.get(i + n))
    })
}

#[tokio::test]
async fn a_copied_database_without_the_master_key_makes_no_ticket() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir()
        .join(format!("ingia-copy-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ingia.db");
    let url = format!("sqlite://{}", file.display());
    let db = ingia_server::Db::connect(&url).await.unwrap();
    let keys = keys();
    let master = keys.master.clone();
    let a = event(&db, &keys, 25).await;
    // Every file of the database is the owner's only.
    for f in ["ingia.db", "ingia.db-wal", "ingia.db-shm"] {
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f} is {mode:o}");
    }
    // The thief's copy (the WAL folded in, as a backup tool would).
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await.unwrap();
    db.pool.close().await;
    let bytes = std::fs::read(&file).unwrap();
    let stolen = dir.join("stolen.db");
    std::fs::write(&stolen, &bytes).unwrap();
    // Nothing that presents a ticket is in it: no credential (text or signature), no code
    // secret, no PIN.
    for t in &a.tickets {
        let token = TicketToken::parse(&t.credential).unwrap();
        assert!(!contains(&bytes, t.credential.as_bytes()), "ticket {} credential", t.id);
        assert!(!contains(&bytes, &token.signed.signature), "ticket {} signature", t.id);
        assert!(!contains(&bytes, &t.code_secret.0), "ticket {} code secret", t.id);
        assert!(!contains_number(&bytes, &t.pin.to_string()), "ticket {} PIN", t.id);
    }
    // Trying to make one with the server's own code and any other key: every sealed secret stays
    // shut (the event's signing key too), so no manifest, wallet or signed ticket comes out.
    let copy = ingia_server::Db::connect(&format!("sqlite://{}", stolen.display())).await.unwrap();
    let guess = ingia_server::secrets::MasterKey::from_hex(&"00".repeat(32)).unwrap();
    assert!(ingia_server::events::manifest_delta(&copy, &guess, a.id, 0, ingia_server::events::ManifestForm::Clear)
        .await
        .is_err());
    let guessed_issuing = ingia_server::secrets::IssuingKey::from_hex(&"00".repeat(32)).unwrap();
    let guessed = ingia_server::secrets::Keys { master: guess.clone(), issuing: Some(guessed_issuing) };
    assert!(ingia_server::events::signing_key(&copy, &guessed, a.id).await.is_err());
    assert!(ingia_server::tickets::wallet(&copy, &guess, &a.tickets[0].wallet_token).await.is_err());
    let clear: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM tickets WHERE code_secret IS NOT NULL OR pin IS NOT NULL OR credential IS NOT NULL",
    )
    .fetch_one(&copy.pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(clear, 0);
    // With the master key (the server itself), everything opens: the test can fail.
    let m = ingia_server::events::manifest_delta(&copy, &master, a.id, 0, ingia_server::events::ManifestForm::Clear)
        .await
        .unwrap();
    assert_eq!(m.tickets.len(), 25);
    assert!(ingia_server::events::signing_key(&copy, &keys, a.id).await.is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn secrets_kept_in_the_clear_by_an_older_version_are_sealed_at_start() {
    let db = fresh_db().await;
    let keys = keys();
    let master = keys.master.clone();
    let a = event(&db, &keys, 3).await;
    // As a version before sealing stored ticket 1.
    let t = &a.tickets[0];
    sqlx::query(
        "UPDATE tickets SET code_secret = $1, pin = $2, credential = $3, sealed = NULL, pin_tag = NULL \
         WHERE event_id = $4 AND ticket_id = 1",
    )
    .bind(t.code_secret.0.to_vec())
    .bind(i64::from(t.pin.value()))
    .bind(&t.credential)
    .bind(a.id.0 as i64)
    .execute(&db.pool)
    .await
    .unwrap();
    assert_eq!(ingia_server::tickets::seal_clear_rows(&db, &master).await.unwrap(), 1);
    assert_eq!(ingia_server::tickets::seal_clear_rows(&db, &master).await.unwrap(), 0);
    let w = ingia_server::tickets::wallet(&db, &master, &t.wallet_token).await.unwrap();
    assert_eq!(w.credential, t.credential);
    assert_eq!(w.code_secret, ingia_server::util::hex(&t.code_secret.0));
    // The PIN moved into the seal too (this type takes no PIN, so the wallet shows none).
    let row = sqlx::query("SELECT pin, sealed FROM tickets WHERE event_id = $1 AND ticket_id = 1")
        .bind(a.id.0 as i64)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(row.try_get::<Option<i64>, _>("pin").unwrap().is_none());
    let sealed: Vec<u8> = row.try_get("sealed").unwrap();
    assert_eq!(master.open_ticket(a.id, ingia_core::TicketId(1), &sealed).unwrap().pin, t.pin);
}

#[tokio::test]
async fn framework_errors_come_in_the_envelope_and_name_no_internal_type() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 3).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    // A body announced too large (Content-Length), and a method a route does not take.
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/checkins")
        .header("content-type", "application/json")
        .header("content-length", "999999999")
        .header("authorization", format!("Bearer {t}"))
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(r.clone(), req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "too_large");
    let (status, v) = call(&r, "GET", "/api/pair", None, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["error"]["code"], "method_not_allowed", "{v}");
    // Bad JSON says where and what, in the client's words, not the server's types.
    let mut negative = record(d, 1, &a, Some(1), MAIN, true, now_ms());
    negative["gate"] = json!(-1);
    for body in [json!({"records": 5}), json!({"records": [negative]}), json!([1, 2])] {
        let (status, v) = call(&r, "POST", "/api/checkins", Some(&t), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let m = v["error"]["message"].as_str().unwrap();
        for internal in ["struct", "SyncRequest", "CheckIn", "Vec", "u8", "u32", "GateId"] {
            assert!(!m.contains(internal), "{m}");
        }
    }
}

#[tokio::test]
async fn records_are_read_exactly() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 3).await;
    let r = router(&db);
    let (d, t) = device(&db, a.id, MAIN, Role::Steward).await;
    // `{"admitted": null}` is not an admission; a staff name of invisible or reordering
    // characters is refused.
    let mut odd = record(d, 1, &a, Some(1), MAIN, true, now_ms());
    odd["result"] = json!({"admitted": null});
    let (status, _) = call(&r, "POST", "/api/checkins", Some(&t), Some(json!({ "records": [odd] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for staff in ["\u{200b}\u{200b}", "a\u{202e}b", "\u{2066}\u{2069}"] {
        let mut hidden = record(d, 2, &a, Some(1), MAIN, true, now_ms());
        hidden["staff"] = json!(staff);
        let (status, v) = call(&r, "POST", "/api/checkins", Some(&t), Some(json!({ "records": [hidden] }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{staff:?}: {v}");
    }
    // A scan id above 2^63 reads back as itself in the audit export.
    let big = u64::MAX - 5;
    push(&r, &t, vec![record(d, big, &a, Some(2), MAIN, false, now_ms())]).await;
    let csv = ingia_server::checkins::export_scans_csv(&db, a.id).await.unwrap();
    assert!(csv.contains(&format!(",{big},")), "{csv}");
    // A gate named like a formula stays text in the attendance export.
    sqlx::query("UPDATE gates SET name = '=HYPERLINK(\"http://x\")' WHERE event_id = $1 AND gate_id = 0")
        .bind(a.id.0 as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    push(&r, &t, vec![record(d, 3, &a, Some(2), MAIN, true, now_ms())]).await;
    let csv = ingia_server::checkins::export_csv(&db, a.id).await.unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
}

#[tokio::test]
async fn a_guesser_on_the_venue_address_does_not_lock_out_its_stewards() {
    let db = fresh_db().await;
    let a = event(&db, &keys(), 3).await;
    let r = router(&db);
    let mut limited = false;
    for _ in 0..30 {
        let (status, _) = call(&r, "POST", "/api/pair", None, Some(json!({"code": "ingp_guess"}))).await;
        limited |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "the guesser is throttled");
    // The steward next to them, on the same address, pairs with a real code at once.
    let p = ingia_server::devices::create_pairing(&db, "cli", a.id, MAIN, Role::Steward, 60_000).await.unwrap();
    let (status, v) = call(&r, "POST", "/api/pair", None, Some(json!({"code": p.code, "name": "gate phone"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Attendees opening real wallet links likewise.
    for _ in 0..40 {
        call(&r, "POST", "/api/wallet", None, Some(json!({"token": "ingw_guess"}))).await;
    }
    let (status, _) = call(&r, "POST", "/api/wallet", None, Some(json!({"token": a.tickets[0].wallet_token}))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = fresh_db().await;
    let app = ingia_server::app(ingia_server::AppState::new(db, keys(), None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ingia_server::listen::serve(
        listener,
        app,
        ingia_server::listen::Listen::plain(std::time::Duration::from_millis(500)),
        std::future::pending(),
    ));
    for sent in [&b""[..], b"GET /api/device HTTP/1.1\r\nHost: x\r\n"] {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(sent).await.unwrap();
        let mut buf = [0u8; 256];
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf)).await;
        let n = read.expect("the server closes the connection").unwrap_or(0);
        // Closed (0 bytes), or at most an error answer before the close.
        if n > 0 {
            let rest = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf)).await;
            assert!(
                matches!(rest, Ok(Ok(0)) | Ok(Err(_))),
                "still open after {:?}",
                String::from_utf8_lossy(&buf[..n])
            );
        }
    }
    // A whole request is answered.
    let (status, _) = ingia_server::loopback::post_json(&addr.to_string(), "/api/pair", "", &json!({"code": "ingp_x"}))
        .await
        .unwrap();
    assert_eq!(status, 404);
}
