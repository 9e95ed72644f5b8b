//! The live stream (`GET /api/live`): another gate's admission reaches a gate's stream at once;
//! a reconnect with `Last-Event-ID` resumes without a repeat or a gap; a revocation ends the
//! stream; the stream carries no name; and, on PostgreSQL (INGIA_TEST_DATABASE_URL), a check-in
//! sent to one server instance reaches a stream held on another through LISTEN/NOTIFY.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::live::Live;
use common::*;
use ingia_core::live::LiveMessage;
use ingia_server::devices::Role;
use ingia_server::util::now_ms;
use serde_json::json;

async fn admit(router: &axum::Router, device: u32, token: &str, ev: &Event, ticket: u32, scan: u64) {
    let r = record(device, scan, ev, Some(ticket), MAIN, true, now_ms());
    let (status, v) = call(router, "POST", "/api/checkins", Some(token), Some(json!({ "records": [r] }))).await;
    assert_eq!((status, v["results"][0]["outcome"]["outcome"].as_str()), (StatusCode::OK, Some("accepted")), "{v}");
}

#[tokio::test]
async fn another_gates_admission_arrives_at_once_and_a_reconnect_resumes_exactly() {
    let db = fresh_db().await;
    let ev = event(&db, &keys(), 5).await;
    let r = router(&db);
    let (a, token_a) = device(&db, ev.id, MAIN, Role::Steward).await;
    let (b_id, token_b) = device(&db, ev.id, MAIN, Role::Steward).await;
    let mut b = Live::open(&r, &token_b, 0, None).await;
    // First the manifest revision the gate should be at.
    let Some((_, LiveMessage::Revision(rev))) = b.next(Duration::from_secs(2)).await else { panic!("a revision") };
    assert!(rev > 0);
    assert!(b.next(Duration::from_millis(300)).await.is_none(), "nothing else yet");
    let started = Instant::now();
    admit(&r, a, &token_a, &ev, ev.tickets[0].id.0, 1).await;
    let (after, seq, entries, id) = b.admissions(Duration::from_secs(2)).await.expect("the admission, at once");
    let latency = started.elapsed();
    assert_eq!((after, entries.len(), entries[0].ticket), (0, 1, ev.tickets[0].id));
    assert_eq!(id, Some(seq.to_string()));
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    // Two more while B is away; B comes back with Last-Event-ID: both, no repeat of the first.
    drop(b);
    admit(&r, a, &token_a, &ev, ev.tickets[1].id.0, 2).await;
    admit(&r, a, &token_a, &ev, ev.tickets[2].id.0, 3).await;
    let mut b = Live::open(&r, &token_b, 0, Some(seq)).await;
    let (after2, seq2, entries, _) = b.admissions(Duration::from_secs(2)).await.unwrap();
    assert_eq!(after2, seq);
    let tickets: Vec<u32> = entries.iter().map(|e| e.ticket.0).collect();
    assert_eq!(tickets, [ev.tickets[1].id.0, ev.tickets[2].id.0]);
    assert!(seq2 > after2);
    // A ticket revoked in the console: the revision moves on the stream (the gate pulls now).
    ingia_server::tickets::set_status(&db, "test", ev.id, ev.tickets[4].id, ingia_core::TicketStatus::Revoked)
        .await
        .unwrap();
    let Some((_, LiveMessage::Revision(moved))) = b.next(Duration::from_secs(2)).await else { panic!("the revision") };
    assert!(moved > rev);
    // No name, email or phone ever goes over the stream.
    for t in &ev.tickets {
        assert!(!String::from_utf8_lossy(&b.sse.raw).contains(&t.holder), "{}", t.holder);
    }
    // Revoked: the stream ends, and a new one is refused.
    ingia_server::devices::revoke(&db, "test", ev.id, ingia_core::DeviceId(b_id)).await.unwrap();
    admit(&r, a, &token_a, &ev, ev.tickets[3].id.0, 4).await;
    assert!(b.admissions(Duration::from_secs(3)).await.is_none(), "a revoked gate hears nothing more");
    let (status, _) = call(&r, "GET", "/api/live?since=0", Some(&token_b), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&r, "GET", "/api/live?since=x", Some(&token_a), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&r, "GET", "/api/live", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_check_in_at_one_instance_reaches_a_stream_on_another() {
    let url = fresh_database_url().await;
    if !url.starts_with("postgres") {
        eprintln!("SQLite runs one instance: this test runs on PostgreSQL (INGIA_TEST_DATABASE_URL)");
        return;
    }
    // Two instances: each its own pool, doorbell and LISTEN connection, one database.
    let one = ingia_server::Db::connect(&url).await.unwrap();
    let two = ingia_server::Db::connect(&url).await.unwrap();
    ingia_server::live::listen(&two);
    let ev = event(&one, &keys(), 3).await;
    let (a, token_a) = device(&one, ev.id, MAIN, Role::Steward).await;
    let (_, token_b) = device(&one, ev.id, MAIN, Role::Steward).await;
    let (r1, r2) = (router(&one), router(&two));
    let mut b = Live::open(&r2, &token_b, 0, None).await;
    assert!(matches!(b.next(Duration::from_secs(2)).await, Some((_, LiveMessage::Revision(_)))));
    // Let the LISTEN connection come up (its first wake re-reads every stream: nothing new).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = Vec::new();
    for (i, t) in ev.tickets.iter().enumerate() {
        let started = Instant::now();
        admit(&r1, a, &token_a, &ev, t.id.0, i as u64 + 1).await;
        let (_, _, entries, _) = b.admissions(Duration::from_secs(2)).await.expect("through NOTIFY, within 2 s");
        latencies.push(started.elapsed());
        assert_eq!(entries.last().map(|e| e.ticket), Some(t.id));
    }
    eprintln!("instance 1 -> stream on instance 2: {latencies:?}");
}
