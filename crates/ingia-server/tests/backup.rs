//! Backup -> restore -> continue: two gates (the core's `SyncSession`, as the phones run it)
//! sync with a server; a backup is taken while they work; more check-ins land after it; the
//! server's file is lost and the backup restored. The gates carry on: they learn the new epoch,
//! send again what the server had settled for them, and in the end nothing is lost, nothing is
//! admitted twice, and every gate's ledger equals the server's.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use http_body_util::BodyExt;
use ingia_core::sync::{Reply, SyncConfig, SyncEvent, SyncSession, Transmit};
use ingia_core::{exchange, CheckIn, DeviceId, Role, ScanId, Standing, UnixMillis};
use ingia_server::backup::{self, GAP};
use ingia_server::Db;
use tower::ServiceExt;

struct Gate {
    id: u32,
    session: SyncSession,
    token: String,
    /// The epochs this gate heard, with the scan ids it sent again on each.
    epochs: Vec<(u64, Vec<u64>)>,
}

impl Gate {
    fn new(id: u32, token: String) -> Gate {
        Gate { id, session: SyncSession::new(DeviceId(id), SyncConfig::default(), 0, 0, 7), token, epochs: vec![] }
    }

    /// An admission of `ticket`, made and queued as the gate makes it.
    fn scan(&mut self, ev: &Event, scan: u64, ticket: u32) {
        let at = ingia_server::util::now_ms();
        let record: CheckIn = serde_json::from_value(record(self.id, scan, ev, Some(ticket), MAIN, true, at)).unwrap();
        self.session.enqueue(record);
    }
}

/// Everything due now: pushes and one pull, as the browser's `Gate::sync` does them.
async fn sync(router: &axum::Router, g: &mut Gate) {
    g.session.network_up(UnixMillis(ingia_server::util::now_ms()));
    for _ in 0..10 {
        let now = UnixMillis(ingia_server::util::now_ms());
        let Some(tx) = g.session.poll_transmit(now) else { break };
        let reply = match tx {
            Transmit::Push { id, records } => {
                let (status, _, bytes) = call_typed(
                    router,
                    "POST",
                    "/api/checkins",
                    Some(&g.token),
                    exchange::MEDIA_TYPE,
                    Some(exchange::encode_checkins(&records)),
                )
                .await;
                assert!(status.is_success(), "push: {status}");
                let (server_time, results) = exchange::decode_results(&bytes).unwrap();
                Reply::Pushed { id, server_time, results }
            }
            Transmit::Pull { id, revision, seq } => {
                let req = Request::get(format!("/api/admissions?since={seq}"))
                    .header("accept", exchange::MEDIA_TYPE)
                    .header("authorization", format!("Bearer {}", g.token))
                    .body(Body::empty())
                    .unwrap();
                let resp = router.clone().oneshot(req).await.unwrap();
                assert!(resp.status().is_success(), "pull: {}", resp.status());
                let epoch =
                    resp.headers().get(backup::EPOCH_HEADER).map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
                let bytes = resp.into_body().collect().await.unwrap().to_bytes();
                let (server_time, seq, admissions) = exchange::decode_admissions(&bytes).unwrap();
                Reply::Pulled { id, server_time, revision, seq, admissions, epoch }
            }
        };
        g.session.handle_reply(UnixMillis(ingia_server::util::now_ms()), reply);
        while let Some(ev) = g.session.poll_event() {
            if let SyncEvent::Epoch { epoch, resent } = ev {
                g.epochs.push((epoch, resent.iter().map(|r| r.scan_id.0).collect()));
            }
        }
    }
}

/// Both gates sync twice, `first` first: each has then sent everything and learned the other's.
async fn round(router: &axum::Router, first: &mut Gate, second: &mut Gate) {
    for _ in 0..2 {
        sync(router, first).await;
        sync(router, second).await;
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn a_restored_server_continues_the_event_with_nothing_lost_or_doubled() {
    // SQLite: the backup is the server's own (PostgreSQL's is pg_dump's).
    let dir = std::env::temp_dir()
        .join(format!("ingia-backup-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ingia.db").display());
    let db = Db::connect(&url).await.unwrap();
    let ev = event(&db, &keys(), 6).await;
    let t = |i: usize| ev.tickets[i].id.0;
    let (a, ta) = device(&db, ev.id, MAIN, Role::Steward).await;
    let (b, tb) = device(&db, ev.id, MAIN, Role::Steward).await;
    let mut ga = Gate::new(a, ta);
    let mut gb = Gate::new(b, tb);
    let router = router(&db);

    // Before the backup: A admits two people, B one; both learn everything.
    ga.scan(&ev, 1, t(0));
    ga.scan(&ev, 2, t(1));
    gb.scan(&ev, 1, t(2));
    round(&router, &mut ga, &mut gb).await;
    assert_eq!(ga.epochs, vec![(0, vec![])], "never restored: epoch 0, learned");
    let file = dir.join("backup.db");
    let bytes = backup::backup(&db, &file).await.unwrap();
    assert!(bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "the backup is private");
    }
    assert!(backup::backup(&db, &file).await.unwrap_err().to_string().contains("exists already"));

    // After it: A admits a third, B a fourth; B syncs so its cursor moves past the backup's.
    ga.scan(&ev, 3, t(3));
    gb.scan(&ev, 2, t(4));
    round(&router, &mut ga, &mut gb).await;
    let before = gb.session.cursors().1;
    assert_eq!(before, 5);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checkins").await, 5);

    // A running server holds its file: a restore refuses to replace it.
    let file_of_db = db.sqlite_file().unwrap();
    let serving = backup::ServingLock::serving(&file_of_db).unwrap();
    let second = backup::ServingLock::serving(&file_of_db).expect("two servers may share the file");
    let refused = backup::restore_file(&file, &url).await.unwrap_err().to_string();
    assert!(refused.contains("a server is running"), "{refused}");
    drop((serving, second));
    assert!(backup::restore_file(&dir.join("nothing"), &url).await.is_err());
    std::fs::write(dir.join("junk.db"), b"not a database at all").unwrap();
    assert!(backup::restore_file(&dir.join("junk.db"), &url)
        .await
        .unwrap_err()
        .to_string()
        .contains("not an Ingia backup"));

    // The server stops (its file is then lost) and the backup is restored.
    drop(router);
    db.pool.close().await;
    let restored = backup::restore_file(&file, &url).await.unwrap();
    assert_eq!(restored.events, 1);
    assert_ne!(restored.epoch, 0);
    let db = Db::connect(&url).await.unwrap();
    let router = common::router(&db);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checkins").await, 3, "the backup's check-ins");
    assert_eq!(backup::epoch(&db).await.unwrap(), restored.epoch);
    assert_eq!(count(&db, "SELECT last_seq FROM events").await, 3 + GAP);

    // A new admission at B before A is back: its sequence is past anything a gate has seen.
    gb.scan(&ev, 3, t(5));
    round(&router, &mut gb, &mut ga).await;
    assert_eq!(ga.epochs.last().unwrap(), &(restored.epoch, vec![1, 2, 3]), "A sends its settled records again");
    assert_eq!(gb.epochs.last().unwrap().0, restored.epoch);
    assert!(gb.epochs.last().unwrap().1.contains(&2), "B sends again what the backup missed");

    // Nothing lost, nothing doubled: six people, six admissions, each once.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checkins").await, 6);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checkins WHERE outcome = 'accepted'").await, 6);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM (SELECT ticket_id FROM checkins WHERE outcome = 'accepted' GROUP BY ticket_id HAVING COUNT(*) > 1) d").await,
        0
    );
    assert_eq!(ga.session.pending() + gb.session.pending(), 0);
    // Every gate's ledger equals the server's: the same tickets inside, by the same records.
    let (_, _, bytes) =
        call_typed(&router, "GET", "/api/admissions?since=0", Some(&ga.token), exchange::MEDIA_TYPE, None).await;
    let (_, _, server) = exchange::decode_admissions(&bytes).unwrap();
    let key = |e: &ingia_core::LedgerEntry| (e.ticket, e.device, e.scan_id);
    let mut expected: Vec<_> = server.iter().map(key).collect();
    expected.sort();
    assert_eq!(expected.len(), 6);
    for g in [&ga, &gb] {
        let mut mine: Vec<_> =
            g.session.ledger().entries().filter(|e| matches!(e.standing, Standing::Accepted { .. })).map(key).collect();
        mine.sort();
        mine.dedup();
        assert_eq!(mine, expected, "a gate's ledger after the restore");
    }
    // A record re-sent after the restore is the same record: same device and scan id.
    assert!(server.iter().any(|e| e.device == DeviceId(a) && e.scan_id == ScanId(3)));

    // The manifest moved on too: each gate fetches every ticket again, at a revision past its own.
    let (_, _, delta) =
        call_typed(&router, "GET", "/api/manifest?since=3", Some(&ga.token), exchange::MEDIA_TYPE, None).await;
    let delta = ingia_core::ManifestDelta::decode(&delta).unwrap();
    assert!(delta.revision > GAP as u64);
    assert_eq!(delta.tickets.len(), 6, "every ticket again, the server's word");
    let _ = std::fs::remove_dir_all(dir);
}

/// What `restore` does after a `pg_restore` (and after copying a SQLite file): on whichever
/// database the tests run against.
#[tokio::test]
async fn marking_a_database_restored_moves_its_sequences_past_every_gate() {
    let db = fresh_db().await;
    let ev = event(&db, &keys(), 3).await;
    let (d, token) = device(&db, ev.id, MAIN, Role::Steward).await;
    let router = router(&db);
    let (status, body) = call(
        &router,
        "POST",
        "/api/checkins",
        Some(&token),
        Some(serde_json::json!({
            "records": [record(d, 1, &ev, Some(ev.tickets[0].id.0), MAIN, true, ingia_server::util::now_ms())]
        })),
    )
    .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(backup::epoch(&db).await.unwrap(), 0);
    let first = backup::mark_restored(&db).await.unwrap();
    let second = backup::mark_restored(&db).await.unwrap();
    assert_ne!(first.epoch, second.epoch);
    assert_eq!(backup::epoch(&db).await.unwrap(), second.epoch);
    assert_eq!(count(&db, "SELECT last_seq FROM events").await, 1 + 2 * GAP);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets WHERE revision < (SELECT revision FROM events)").await, 0);
    let audited = count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'server.restored'").await;
    assert_eq!(audited, 2);
    // The next pull says the epoch.
    let req = Request::get("/api/admissions?since=0")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.headers()[backup::EPOCH_HEADER].to_str().unwrap(), second.epoch.to_string());
}
