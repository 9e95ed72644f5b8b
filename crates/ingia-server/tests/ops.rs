//! What an operator's tools ask of the server: liveness, readiness (503 once the database is
//! gone), and Prometheus metrics, scraped and parsed as a scraper would, only for this machine or
//! with the metrics token.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::connect_info::MockConnectInfo;
use axum::http::StatusCode;
use common::*;
use ingia_server::devices::Role;
use ingia_server::ops::Metrics;
use ingia_server::util::now_ms;
use ingia_server::{app, AppState};
use serde_json::json;

const MAIN: ingia_core::GateId = ingia_core::GateId(1);

/// The text format's samples: `name{labels}` -> value; the exposition must end with `# EOF`.
fn samples(text: &str) -> HashMap<String, f64> {
    assert!(text.trim_end().ends_with("# EOF"), "an OpenMetrics exposition ends with # EOF:\n{text}");
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number in: {line}"));
        assert!(out.insert(name.to_string(), value).is_none(), "{name} twice");
    }
    out
}

fn router_at(state: AppState, peer: [u8; 4]) -> axum::Router {
    app(state).layer(MockConnectInfo(SocketAddr::from((peer, 4000))))
}

#[tokio::test]
async fn health_readiness_and_metrics_a_scraper_can_parse() {
    let db = fresh_db().await;
    let ev = event(&db, &keys(), 10).await;
    let state = AppState::new(db.clone(), keys(), None);
    let local = router_at(state.clone(), [127, 0, 0, 1]);
    let (status, body) = call(&local, "GET", "/healthz", None, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, Some("ok\n")));
    let (status, body) = call(&local, "GET", "/readyz", None, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, Some("ready\n")));

    // Two gates: an admission, the same record again (its answer was lost), the other gate's
    // offline admission of the same ticket (a conflict), and a refused scan.
    let (d1, t1) = device(&db, ev.id, MAIN, Role::Steward).await;
    let (d2, t2) = device(&db, ev.id, MAIN, Role::Steward).await;
    let now = now_ms();
    let sync = |token: String, records: Vec<serde_json::Value>| {
        let r = local.clone();
        async move {
            let (status, v) =
                call(&r, "POST", "/api/checkins", Some(&token), Some(json!({ "records": records }))).await;
            assert_eq!(status, StatusCode::OK, "{v}");
        }
    };
    sync(t1.clone(), vec![record(d1, 1, &ev, Some(1), MAIN, true, now)]).await;
    sync(t1.clone(), vec![record(d1, 1, &ev, Some(1), MAIN, true, now)]).await;
    sync(
        t2.clone(),
        vec![record(d2, 1, &ev, Some(1), MAIN, true, now - 5_000), record(d2, 2, &ev, Some(3), MAIN, false, now)],
    )
    .await;

    let (status, content_type, bytes) = call_typed(&local, "GET", "/metrics", None, "text/plain", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.unwrap().starts_with("application/openmetrics-text"));
    let m = samples(&String::from_utf8(bytes).unwrap());
    assert_eq!(m[r#"ingia_checkins_total{outcome="accepted"}"#], 1.0);
    assert_eq!(m[r#"ingia_checkins_total{outcome="conflict"}"#], 1.0);
    assert_eq!(m[r#"ingia_checkins_total{outcome="recorded"}"#], 1.0);
    assert_eq!(m["ingia_checkins_resent_total"], 1.0);
    assert_eq!(m["ingia_sync_duration_seconds_count"], 3.0, "three syncs answered");
    assert!(m["ingia_sync_duration_seconds_sum"] > 0.0);
    assert_eq!(m[r#"ingia_sync_duration_seconds_bucket{le="+Inf"}"#], 3.0);
    assert_eq!(m["ingia_devices_in_contact"], 2.0, "both gates synced just now");
    assert_eq!(m["ingia_live_streams"], 0.0);
    for state in ["queued", "sending", "failed"] {
        assert_eq!(m[&format!(r#"ingia_sms_outbox{{state="{state}"}}"#)], 0.0);
    }

    // From another machine: only with the token.
    let (status, _) = call(&router_at(state.clone(), [10, 0, 0, 9]), "GET", "/metrics", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut with_token = state.clone();
    with_token.metrics = Arc::new(Metrics::new(Some("scrape-me-3f9a1c")));
    let remote = router_at(with_token, [10, 0, 0, 9]);
    let (status, _) = call(&remote, "GET", "/metrics", Some("scrape-me-3f9a1d"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong token");
    let (status, _, bytes) = call_typed(&remote, "GET", "/metrics", Some("scrape-me-3f9a1c"), "text/plain", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(samples(&String::from_utf8(bytes).unwrap()).contains_key("ingia_devices_in_contact"));

    // The database gone: still alive, no longer ready.
    db.pool.close().await;
    let (status, _) = call(&local, "GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&local, "GET", "/readyz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

/// SIGTERM (what `docker stop` and systemd send) while a gate's sync is half sent: the server
/// stops accepting, finishes that request (its record stored, its answer whole), and exits 0.
/// Its logs (INGIA_LOG_FORMAT=json) are one JSON object per line, and carry no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_then_exits() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let url = fresh_database_url().await;
    let db = ingia_server::Db::connect(&url).await.unwrap();
    let ev = event(&db, &keys(), 5).await;
    let (d, token) = device(&db, ev.id, MAIN, Role::Steward).await;
    let dir = std::env::temp_dir()
        .join(format!("ingia-term-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ingia-server"))
        .args(["--database-url", &url, "--data-dir"])
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"])
        .env("RUST_LOG", "info")
        .env("INGIA_LOG_FORMAT", "json")
        .env("INGIA_MASTER_KEY", master_hex())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ingia-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_string();

    let body = json!({ "records": [record(d, 1, &ev, Some(1), MAIN, true, now_ms())] }).to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/checkins HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(first).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // It no longer accepts...
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err(), "a stopping server takes no new connections");
    // ...but the request it was reading is finished.
    conn.write_all(rest).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""outcome":"accepted""#), "{answer}");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let logs = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> =
        logs.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "stopping: finishing the requests in flight" && l["level"] == "INFO"),
        "{logs}"
    );
    assert!(!logs.contains(master_hex()) && !logs.contains(&token), "a secret in the logs:\n{logs}");
    let stored: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM checkins").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, 1);
    let _ = std::fs::remove_dir_all(dir);
}
