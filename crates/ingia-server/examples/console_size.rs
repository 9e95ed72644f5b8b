//! What the organizer console weighs on first load: each page a member opens (its html, plus
//! the one stylesheet and script every page shares), brotli -q 11 (the budget's measure) and gzip
//! (what the server's on-the-fly compression sends today). The pages are rendered by the real
//! app in-process for a real event. Prints the table and writes it to docs/benchmarks.md.
//! `cargo run --release -p ingia-server --example console_size` (scripts/bench.sh runs it).

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::Request;
use http_body_util::BodyExt;
use ingia_server::console::accounts;
use ingia_server::events::{self, NewEvent};
use ingia_server::secrets::Keys;
use ingia_server::util::{hex, now_ms, random_bytes};
use ingia_server::{app, AppState, Db};
use tower::ServiceExt;

#[path = "../../ingia-core/examples/support/report.rs"]
mod report;

fn compressed(tool: &str, args: &[&str], data: &[u8]) -> usize {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (scripts/setup.sh installs it): {e}"));
    child.stdin.take().unwrap().write_all(data).unwrap();
    child.wait_with_output().unwrap().stdout.len()
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("ingia-console-size-{}", hex(&random_bytes::<6>())));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.join("ingia.db").display())).await.expect("database");
    let keys = Keys::ephemeral();
    let now = now_ms();
    let (org, code) = accounts::create_organization(&db, "Lagos Live", now).await.unwrap();
    let j = accounts::Joining {
        code: &code,
        email: "ada@example.com",
        name: "Ada Obi",
        password: "a long enough password",
    };
    let (account, _) = accounts::join(&db, &j, now).await.unwrap();
    let token = accounts::new_session(&db, account, now).await.unwrap();
    let secs = (now / 1000) as i64;
    let event = events::create_event_in(
        &db,
        &keys,
        &NewEvent {
            name: "Afrobeats Live".into(),
            venue: "Eko Convention Centre, Lagos".into(),
            starts_secs: secs,
            ends_secs: secs + 6 * 3600,
            time_zone: "Africa/Lagos".into(),
            doors_secs: secs - 3 * 3600,
            close_secs: secs + 9 * 3600,
            gates: vec!["Main gate".into(), "VIP gate".into()],
            types: vec!["General:code".parse().unwrap(), "VIP:code,reentry,gates=VIP gate".parse().unwrap()],
            capacity: 5000,
        },
        Some(org),
        "bench",
    )
    .await
    .unwrap();
    let csv = ingia_server::attendees::sample_attendees_csv(300, 0, |i| format!("Attendee number {i}"));
    let csv = csv.replace(",Printed", ",General");
    ingia_server::attendees::import_csv(&db, event.id, csv.as_bytes(), false).await.unwrap();
    ingia_server::tickets::issue(&db, &keys, event.id, None, "bench", true).await.unwrap();
    for _ in 0..8 {
        let p = ingia_server::devices::create_pairing(
            &db,
            "bench",
            event.id,
            ingia_core::GateId(0),
            ingia_server::devices::Role::Steward,
            3_600_000,
        );
        p.await.unwrap();
    }
    let csrf: String = sqlx::query_scalar("SELECT csrf FROM sessions").fetch_one(&db.pool).await.unwrap();
    let router =
        app(AppState::new(db.clone(), keys, None)).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))));
    let fetch = |method: &'static str, uri: String, body: Option<String>| {
        let router = router.clone();
        let token = token.clone();
        async move {
            let mut req = Request::builder().method(method).uri(&uri).header("host", "127.0.0.1:8080");
            // The sign-in page as a signed-out visitor sees it (signed in, it redirects).
            if uri != "/console/signin" {
                req = req.header("cookie", format!("{}={token}", accounts::COOKIE));
            }
            if body.is_some() {
                req = req
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("sec-fetch-site", "same-origin");
            }
            let resp =
                router.oneshot(req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap()).await.unwrap();
            assert!(resp.status().is_success(), "{uri}: {}", resp.status());
            resp.into_body().collect().await.unwrap().to_bytes().to_vec()
        }
    };
    let e = event.id.0;
    let shared = [
        fetch("GET", "/console/console.css".into(), None).await,
        fetch("GET", "/console/console.js".into(), None).await,
    ]
    .concat();
    let pages = [
        ("sign in", fetch("GET", "/console/signin".into(), None).await),
        ("events (home)", fetch("GET", "/console".into(), None).await),
        ("event (with its edit form)", fetch("GET", format!("/console/events/{e}"), None).await),
        ("new event", fetch("GET", format!("/console/orgs/{org}/events/new"), None).await),
        ("devices (8)", fetch("GET", format!("/console/events/{e}/devices"), None).await),
        ("attendees (100 of 300)", fetch("GET", format!("/console/events/{e}/attendees"), None).await),
        ("one attendee", fetch("GET", format!("/console/events/{e}/attendees/1"), None).await),
        ("printable ticket", fetch("GET", format!("/console/events/{e}/attendees/1/print"), None).await),
        (
            "pairing QR",
            fetch(
                "POST",
                format!("/console/events/{e}/devices"),
                Some(format!("csrf={csrf}&gate=0&role=steward&hours=12")),
            )
            .await,
        ),
    ];
    let mut table =
        String::from("| first load | html | html + css + js, brotli -q 11 | gzip -6 |\n|---|---:|---:|---:|\n");
    let mut worst = 0;
    for (name, html) in &pages {
        let all = [html.as_slice(), &shared].concat();
        let br = compressed("brotli", &["-q", "11", "-c"], &all);
        let gz = compressed("gzip", &["-6", "-c"], &all);
        worst = worst.max(br);
        println!("{name:28} html {:>7} B   first load brotli {:>6} B   gzip {:>6} B", html.len(), br, gz);
        table.push_str(&format!(
            "| {name} | {} B | {:.1} KB | {:.1} KB |\n",
            html.len(),
            br as f64 / 1024.0,
            gz as f64 / 1024.0
        ));
    }
    let body = format!(
        "## Organizer console: first load of each page\n\n\
         `cargo run --release -p ingia-server --example console_size` ({}, {}). Server-rendered html (no \
         WebAssembly); every page also loads console.css and console.js ({} B together, cached an hour). \
         Budget: 150 KB brotli; the heaviest page is {:.1} KB. The event and new-event pages carry the \
         time-zone suggestions (every IANA name).\n\n{table}\n",
        report::today(),
        report::machine(),
        shared.len(),
        worst as f64 / 1024.0
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    report::write_section(&root, "console-size", &body);
    let _ = std::fs::remove_dir_all(dir);
}
