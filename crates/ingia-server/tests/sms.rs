//! Feature phones against a stand-in of Africa's Talking on loopback (tests/common/at.rs) and
//! callbacks posted exactly as the provider posts them (form-encoded): issuing queues one text
//! per phone; the provider failing first tries, a sender that dies mid-batch: every text
//! accepted once, none twice; delivery reports; CHECKIN from the number on file admits once
//! across SMS and scanners; a stranger, a fourth try, five unknown PINs; a USSD session from
//! dial to END; malformed callbacks change nothing; the server as a real process killed mid-batch
//! and restarted: none lost, none twice.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::at::{StandIn, API_KEY, USERNAME};
use common::*;
use ingia_core::{EventId, GateId};
use ingia_server::sms::provider::AfricasTalking;
use ingia_server::sms::{self, Provider, Texts};
use ingia_server::{app, attendees, events, tickets, AppState, Db};
use serde_json::json;

const SECRET: &str = "cb_0123456789abcdefghijklmnop";
const SHORTCODE: &str = "20880";

fn phone(i: usize) -> String {
    format!("+2547{:08}", 10_000_000 + i)
}

/// An event on now with a door type (PIN admits) at Main and VIP; `n` attendees with phones
/// (the first typed in the national form), every ticket issued.
async fn sms_event(db: &Db, n: usize) -> Event {
    let now = (ingia_server::util::now_ms() / 1000) as i64;
    let k = keys();
    let created = events::create_event(
        db,
        &k,
        &events::NewEvent {
            name: "Lagos Live".into(),
            venue: "Eko Hall".into(),
            starts_secs: now - 600,
            ends_secs: now + 3600,
            time_zone: "Africa/Lagos".into(),
            doors_secs: now - 3600,
            close_secs: now + 7200,
            gates: vec!["Main".into(), "VIP".into()],
            types: vec!["Door".parse().unwrap()],
            capacity: 1000,
        },
    )
    .await
    .unwrap();
    let mut csv = String::from("name,phone,ticket_type\n");
    for i in 0..n {
        let p = if i == 0 { format!("0{}", &phone(0)[4..]) } else { phone(i) };
        csv.push_str(&format!("Guest{i} Holder,{p},Door\n"));
    }
    let report = attendees::import_csv(db, created.id, csv.as_bytes(), false).await.unwrap();
    assert!(report.bad.is_empty(), "{:?}", report.bad);
    let issued = tickets::issue_pending(db, &k, created.id).await.unwrap();
    Event { id: created.id, organizer_token: created.organizer_token, tickets: issued }
}

fn provider(at: &StandIn) -> Provider {
    Provider::AfricasTalking(std::sync::Arc::new(
        AfricasTalking::new(USERNAME, API_KEY, Some(SHORTCODE), &at.base).unwrap(),
    ))
}

fn texts() -> Texts {
    Texts { base_url: "https://gate.test".into(), shortcode: Some(SHORTCODE.into()) }
}

fn sms_router(db: &Db) -> axum::Router {
    let mut state = AppState::new(db.clone(), keys(), None);
    state.sms_callback_secret = Some(SECRET.into());
    state.sms_shortcode = Some(SHORTCODE.into());
    app(state).layer(axum::extract::connect_info::MockConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 4000))))
}

async fn post_form(router: &axum::Router, path: &str, body: Vec<u8>) -> (StatusCode, String) {
    let (status, _, bytes) =
        call_typed(router, "POST", path, None, "application/x-www-form-urlencoded", Some(body)).await;
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn encode(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

async fn inbound(router: &axum::Router, from: &str, text: &str, id: &str) -> StatusCode {
    let body = encode(&[
        ("from", from),
        ("to", SHORTCODE),
        ("text", text),
        ("date", "2026-12-07 19:02:11"),
        ("id", id),
        ("linkId", ""),
    ]);
    post_form(router, &format!("/api/v1/sms/{SECRET}/inbound"), body).await.0
}

async fn count(db: &Db, sql: &str, event: EventId) -> i64 {
    sqlx::query_scalar(sql).bind(event.0 as i64).fetch_one(&db.pool).await.unwrap()
}

/// Lets every waiting text be due now (the backoff's minutes pass).
async fn time_passes(db: &Db) {
    sqlx::query("UPDATE sms_outbox SET next_at = 0, claimed_at = CASE WHEN claimed_at IS NULL THEN NULL ELSE 0 END")
        .execute(&db.pool)
        .await
        .unwrap();
}

/// The reply queued for one inbound message, opened through the stand-in.
async fn replies(db: &Db, at: &StandIn) -> Vec<(String, String)> {
    let master = master();
    sms::send_due(db, &master, &provider(at), &texts()).await.unwrap();
    at.accepted().into_iter().map(|r| (r.to, r.message)).collect()
}

#[tokio::test]
async fn each_ticket_text_is_accepted_once_through_failures_and_a_sender_that_dies() {
    let db = fresh_db().await;
    let ev = sms_event(&db, 200).await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'queued'", ev.id).await,
        200
    );
    // Issuing again queues nothing more.
    assert!(tickets::issue_pending(&db, &keys(), ev.id).await.unwrap().is_empty());
    let stored: Vec<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT sealed FROM sms_outbox").fetch_all(&db.pool).await.unwrap();
    let pin = ev.tickets[1].pin.to_string();
    assert!(stored
        .iter()
        .all(|s| !String::from_utf8_lossy(s.as_deref().unwrap()).contains(&ev.tickets[1].wallet_token)));
    assert!(stored.iter().all(|s| !String::from_utf8_lossy(s.as_deref().unwrap()).contains(&pin)), "sealed at rest");

    let at = StandIn::start().await;
    {
        let mut b = at.state.lock().unwrap();
        for i in (0..200).step_by(9) {
            b.fail_first.insert(phone(i));
        }
        b.invalid.insert(phone(199));
    }
    // A wrong API key: nothing accepted, everything waits (401 is not the text's fault).
    let wrong = Provider::AfricasTalking(std::sync::Arc::new(
        AfricasTalking::new(USERNAME, "wrong-key", Some(SHORTCODE), &at.base).unwrap(),
    ));
    let master = master();
    sms::send_due(&db, &master, &wrong, &texts()).await.unwrap();
    assert!(at.accepted().is_empty());
    let errors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_error FROM sms_outbox WHERE last_error IS NOT NULL")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(!errors.is_empty() && errors.iter().all(|e| e.as_deref().unwrap().contains("API key")), "{errors:?}");
    assert!(errors.iter().all(|e| !e.as_deref().unwrap().contains("wrong-key")), "the key never in an error");
    time_passes(&db).await;

    // The sender runs; after 60 accepted texts the provider holds the next request, and the
    // sender dies with it in flight.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(sms::run(db.clone(), master.clone(), provider(&at), texts(), stopped));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if at.accepted().len() >= 60 {
            at.state.lock().unwrap().hold = true;
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the sender stalled");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    while at.state.lock().unwrap().held_now == 0 {
        assert!(std::time::Instant::now() < deadline, "no request was held");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    sender.abort();
    let _ = sender.await;
    drop(stop);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'sending'", ev.id).await, 1);
    at.release();

    // A new sender (the restarted server) picks up the interrupted text once its claim times out.
    for _ in 0..6 {
        time_passes(&db).await;
        sms::send_due(&db, &master, &provider(&at), &texts()).await.unwrap();
    }
    let accepted = at.accepted();
    let mut to: Vec<&str> = accepted.iter().map(|r| r.to.as_str()).collect();
    to.sort();
    let before = to.len();
    to.dedup();
    assert_eq!(before, to.len(), "a number got its text twice");
    assert_eq!(to.len(), 199, "every valid number got its text");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'sent'", ev.id).await, 199);
    let failed: String = sqlx::query_scalar("SELECT last_error FROM sms_outbox WHERE state = 'failed'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(failed.contains("InvalidPhoneNumber"), "{failed}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND sealed IS NOT NULL AND state = 'sent'",
            ev.id
        )
        .await,
        0
    );

    // The text: the event, the PIN, the wallet link, how to check in by SMS; from the shortcode.
    let t = &ev.tickets[3];
    let text = accepted.iter().find(|r| r.to == phone(3)).unwrap();
    assert_eq!(text.from.as_deref(), Some(SHORTCODE));
    assert!(text.message.starts_with("Lagos Live: your PIN is"), "{}", text.message);
    assert!(text.message.contains(&format!("CHECKIN {} to {SHORTCODE}", t.pin)), "{}", text.message);
    assert!(text.message.contains(&format!("https://gate.test/wallet#{}", t.wallet_token)));
    assert!(ingia_core::sms::segments(&text.message).count <= 2, "{}", text.message);

    // Delivery reports, as the provider posts them.
    let router = sms_router(&db);
    let ok = encode(&[
        ("id", &text.id),
        ("status", "Success"),
        ("phoneNumber", &phone(3)),
        ("networkCode", "63902"),
        ("retryCount", "0"),
    ]);
    assert_eq!(post_form(&router, &format!("/api/v1/sms/{SECRET}/delivery"), ok).await.0, StatusCode::OK);
    let other = &accepted.iter().find(|r| r.to == phone(4)).unwrap().id;
    let failed = encode(&[
        ("id", other),
        ("status", "Failed"),
        ("phoneNumber", &phone(4)),
        ("failureReason", "UserInBlacklist"),
    ]);
    assert_eq!(post_form(&router, &format!("/api/v1/sms/{SECRET}/delivery"), failed).await.0, StatusCode::OK);
    let states: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT state, last_error FROM sms_outbox WHERE ticket_id IN ($1, $2) ORDER BY ticket_id")
            .bind(i64::from(ev.tickets[3].id.0))
            .bind(i64::from(ev.tickets[4].id.0))
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(states, vec![("delivered".into(), None), ("failed".into(), Some("UserInBlacklist".into()))]);
    let listed = sms::list(&db, ev.id).await.unwrap();
    assert_eq!(listed.len(), 200);

    // "Send again": the invalid number was corrected at the provider; the failed text goes once.
    at.state.lock().unwrap().invalid.clear();
    let last = ev.tickets.iter().find(|t| t.holder.starts_with("Guest199 ")).unwrap().id;
    sms::retry(&db, ev.id, last, "owner").await.unwrap();
    assert!(sms::retry(&db, ev.id, last, "owner").await.is_err(), "queued, not failed: nothing to send again");
    sms::send_due(&db, &master, &provider(&at), &texts()).await.unwrap();
    assert_eq!(at.accepted().iter().filter(|r| r.to == phone(199)).count(), 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'sent'", ev.id).await,
        198,
        "199 sent, one delivered, one failed on delivery, one sent again"
    );
    // Failed after it left (the delivery report): its link is gone; the organizer reissues.
    let err = sms::retry(&db, ev.id, ev.tickets[4].id, "owner").await.unwrap_err().to_string();
    assert!(err.contains("reissue"), "{err}");
}

#[tokio::test]
async fn checkin_by_sms_admits_once_across_sms_and_scanners_and_keeps_its_limits() {
    let db = fresh_db().await;
    let ev = sms_event(&db, 8).await;
    let at = StandIn::start().await;
    let master = master();
    sms::send_due(&db, &master, &provider(&at), &texts()).await.unwrap();
    let ticket_texts = at.accepted().len();
    assert_eq!(ticket_texts, 8);
    let router = sms_router(&db);

    // Ticket 0's number is on file in the national form; the provider sends it international.
    let pin0 = ev.tickets[0].pin.to_string();
    assert_eq!(
        inbound(&router, &phone(0), &format!("check in {}-{}", &pin0[..3], &pin0[3..]), "in-1").await,
        StatusCode::OK
    );
    // The provider retries the same callback: nothing new.
    assert_eq!(inbound(&router, &phone(0), &format!("CHECKIN {pin0}"), "in-1").await, StatusCode::OK);
    let got = replies(&db, &at).await;
    assert_eq!(got.len(), ticket_texts + 1, "{got:?}");
    let reply = &got[ticket_texts].1;
    assert_eq!(got[ticket_texts].0, phone(0));
    assert!(reply.starts_with("Welcome Guest0! You are checked in. Show code "), "{reply}");
    assert!(reply.ends_with(" to the steward at Main."), "{reply}");
    let code = reply.split("Show code ").nth(1).unwrap().split(' ').next().unwrap();
    assert_eq!(code.len(), 4);
    let admitted = "SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND outcome = 'accepted'";
    assert_eq!(count(&db, admitted, ev.id).await, 1);
    let channel: String = sqlx::query_scalar(
        "SELECT d.name FROM checkins c JOIN devices d ON d.id = c.device_id WHERE c.outcome = 'accepted'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(channel, "SMS and USSD");
    // A gate learns it like any admission.
    let (dev, token) = device(&db, ev.id, MAIN, ingia_server::devices::Role::Steward).await;
    let (status, adm) = call(&router, "GET", "/api/admissions?since=0", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{adm}");
    assert!(adm.to_string().contains(&format!("\"ticket\":{}", ev.tickets[0].id.0)), "{adm}");
    // And lists it for its steward: the short name and the code the reply gave, on Main's stream
    // only (the VIP gate's stream sends no list).
    let mut main = common::live::Live::open(&router, &token, 0, None).await;
    let list = main.phone(Duration::from_secs(2)).await.expect("Main's phone arrivals");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].ticket, list[0].name.as_str(), list[0].code.as_str()), (ev.tickets[0].id, "Guest0 H.", code));
    let (_, vip_token) = device(&db, ev.id, ingia_core::GateId(1), ingia_server::devices::Role::Steward).await;
    let mut vip = common::live::Live::open(&router, &vip_token, 0, None).await;
    assert!(vip.phone(Duration::from_millis(500)).await.is_none(), "another gate's stream lists nobody");

    // Scanned at a gate after: the gate loses and is told who won (the SMS channel).
    let now = ingia_server::util::now_ms();
    let (status, v) = call(
        &router,
        "POST",
        "/api/checkins",
        Some(&token),
        Some(json!({ "records": [record(dev, 1, &ev, Some(ev.tickets[0].id.0), MAIN, true, now)] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["outcome"]["outcome"], "conflict", "{v}");

    // Scanned first, then texted: the SMS is told where and when.
    let (status, v) = call(
        &router,
        "POST",
        "/api/checkins",
        Some(&token),
        Some(json!({ "records": [record(dev, 2, &ev, Some(ev.tickets[1].id.0), MAIN, true, now)] })),
    )
    .await;
    assert_eq!(v["results"][0]["outcome"]["outcome"], "accepted", "{status} {v}");
    inbound(&router, &phone(1), &format!("CHECKIN {}", ev.tickets[1].pin), "in-2").await;
    let got = replies(&db, &at).await;
    let reply = &got.last().unwrap().1;
    assert!(reply.starts_with("Already checked in at ") && reply.contains(", Main."), "{reply}");
    assert_eq!(count(&db, admitted, ev.id).await, 2);

    // A second SMS admission while Main's stream is open: the whole list again, newest first.
    inbound(&router, &phone(4), &format!("CHECKIN {}", ev.tickets[4].pin), "in-2b").await;
    let list = main.phone(Duration::from_secs(3)).await.expect("the list again");
    let listed: Vec<_> = list.iter().map(|a| a.ticket).collect();
    assert_eq!(listed, [ev.tickets[4].id, ev.tickets[0].id]);
    assert_eq!(count(&db, admitted, ev.id).await, 3);

    // A stranger's number with a real PIN.
    let stranger = "+254799999999";
    inbound(&router, stranger, &format!("CHECKIN {}", ev.tickets[2].pin), "in-3").await;
    let reply = &replies(&db, &at).await.last().unwrap().1.clone();
    assert!(reply.contains("belongs to another phone number"), "{reply}");
    assert_eq!(count(&db, admitted, ev.id).await, 3);
    // Its fourth try within 10 minutes is refused, even with the right number's PIN.
    inbound(&router, stranger, "hello", "in-4").await;
    inbound(&router, stranger, &format!("CHECKIN {}", ev.tickets[2].pin), "in-5").await;
    inbound(&router, stranger, &format!("CHECKIN {}", ev.tickets[2].pin), "in-6").await;
    let reply = replies(&db, &at).await.last().unwrap().1.clone();
    assert!(reply.starts_with("Too many tries"), "{reply}");

    // Five unknown PINs block a number (the window spread over the day).
    let guesser = "+254711111111";
    let real: Vec<String> = ev.tickets.iter().map(|t| t.pin.to_string()).collect();
    let guesses: Vec<String> = (100_000..).map(|p: u32| p.to_string()).filter(|p| !real.contains(p)).take(5).collect();
    for (i, guess) in guesses.iter().enumerate() {
        inbound(&router, guesser, &format!("CHECKIN {guess}"), &format!("guess-{i}")).await;
        sqlx::query("UPDATE sms_attempts SET at = at - 700000 WHERE phone = $1")
            .bind(guesser)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    inbound(&router, guesser, &format!("CHECKIN {}", ev.tickets[5].pin), "guess-5").await;
    let reply = replies(&db, &at).await.last().unwrap().1.clone();
    assert!(reply.contains("blocked"), "{reply}");
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome FROM sms_attempts WHERE phone = $1 ORDER BY id")
        .bind(guesser)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(outcomes, ["unknown_pin", "unknown_pin", "unknown_pin", "unknown_pin", "unknown_pin", "blocked"]);
    assert_eq!(count(&db, admitted, ev.id).await, 3);
    // The organizer closes SMS for the type (PIN at a gate only): the number on file is told to
    // come to the gate, and nothing is admitted.
    sqlx::query("UPDATE ticket_types SET ways = $1 WHERE event_id = $2")
        .bind(i64::from(ingia_core::Ways { printed: false, pin: true, phone: false }.bits()))
        .bind(ev.id.0 as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    inbound(&router, &phone(3), &format!("CHECKIN {}", ev.tickets[3].pin), "in-closed").await;
    let reply = replies(&db, &at).await.last().unwrap().1.clone();
    assert_eq!(reply, "This ticket does not check in by SMS. Show your ticket at the gate.");
    assert_eq!(count(&db, admitted, ev.id).await, 3);
    // Every attempt audited: 14 inbound messages kept (the retried callback once).
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sms_attempts").fetch_one(&db.pool).await.unwrap(),
        14
    );
}

#[tokio::test]
async fn a_ussd_session_admits_and_a_second_says_already_checked_in() {
    let db = fresh_db().await;
    let ev = sms_event(&db, 3).await;
    let router = sms_router(&db);
    let pin = ev.tickets[2].pin.to_string();
    let step = |session: &'static str, text: String| {
        let router = router.clone();
        async move {
            let body = encode(&[
                ("sessionId", session),
                ("serviceCode", "*384*20880#"),
                ("phoneNumber", &phone(2)),
                ("networkCode", "63902"),
                ("text", &text),
            ]);
            post_form(&router, &format!("/api/v1/sms/{SECRET}/ussd"), body).await
        }
    };
    let (status, menu) = step("ATUid_1", String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(menu.starts_with("CON ") && menu.contains("1. Check in") && menu.contains("2. "), "{menu}");
    assert!(step("ATUid_1", "1".into()).await.1.starts_with("CON Enter the PIN"));
    let (_, end) = step("ATUid_1", format!("1*{pin}")).await;
    assert!(end.starts_with("END Welcome Guest2! You are checked in. Show code "), "{end}");
    let (_, again) = step("ATUid_2", format!("1*{pin}")).await;
    assert!(again.starts_with("END Already checked in at "), "{again}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND outcome = 'accepted'", ev.id).await,
        1
    );
    let staff: Vec<String> =
        sqlx::query_scalar("SELECT staff FROM checkins ORDER BY received_at").fetch_all(&db.pool).await.unwrap();
    assert_eq!(staff, ["USSD", "USSD"]);
    // "Send my ticket SMS again": the PIN to the number on file, queued once.
    let (_, resent) = step("ATUid_3", "2".into()).await;
    assert!(resent.starts_with("END Your ticket SMS is on its way"), "{resent}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND once LIKE 'resend:%'", ev.id).await,
        1
    );
    let (_, invalid) = step("ATUid_4", "7".into()).await;
    assert!(invalid.starts_with("END "), "{invalid}");
}

/// Issue 18: each attendee reads their texts and USSD menu in their own language (the import's
/// column, here an edit), else the event's; a stranger in the language of the keyword typed.
#[tokio::test]
async fn texts_and_menus_follow_the_attendee_s_language_else_the_event_s() {
    let db = fresh_db().await;
    let at = StandIn::start().await;
    let ev = sms_event(&db, 3).await;
    events::set_lang(&db, ev.id, ingia_core::Lang::Sw).await.unwrap();
    let french = attendees::Attendee {
        name: "Guest1 Holder".into(),
        phone: phone(1),
        ticket_type: "Door".into(),
        language: "Français".into(),
        ..Default::default()
    };
    attendees::edit(&db, ev.id, ev.tickets[1].id, &french, "test").await.unwrap();
    let sent = replies(&db, &at).await;
    let to = |i: usize| sent.iter().find(|(p, _)| *p == phone(i)).map(|(_, m)| m.clone()).unwrap();
    assert!(to(1).starts_with("Lagos Live : votre code PIN est "), "{}", to(1));
    assert!(to(1).contains("envoyez ENTRER "), "{}", to(1));
    assert!(to(2).starts_with("Lagos Live: PIN yako ni "), "the event's language: {}", to(2));
    let router = sms_router(&db);
    let pin = ev.tickets[1].pin.to_string();
    assert_eq!(inbound(&router, &phone(1), &format!("CHECKIN {pin}"), "fr-1").await, StatusCode::OK);
    assert_eq!(inbound(&router, "+254799000001", "ENTRAR 000000", "pt-1").await, StatusCode::OK);
    assert_eq!(inbound(&router, "+254799000002", "hello", "sw-1").await, StatusCode::OK);
    let got = replies(&db, &at).await;
    let reply = |to: &str| got.iter().rev().find(|(p, _)| p == to).map(|(_, m)| m.clone()).unwrap();
    assert!(
        reply(&phone(1)).starts_with("Bienvenue Guest1 ! Entrée validée. Montrez le code "),
        "{}",
        reply(&phone(1))
    );
    assert!(reply("+254799000001").starts_with("PIN desconhecido."), "{}", reply("+254799000001"));
    assert!(reply("+254799000002").starts_with("Ili kuingia, tuma INGIA"), "{}", reply("+254799000002"));
    let body = encode(&[
        ("sessionId", "ATUid_fr"),
        ("serviceCode", "*384*20880#"),
        ("phoneNumber", &phone(1)),
        ("networkCode", "63902"),
        ("text", ""),
    ]);
    let (_, menu) = post_form(&router, &format!("/api/v1/sms/{SECRET}/ussd"), body).await;
    assert!(menu.starts_with("CON Entrée Ingia\n1. Entrer avec mon code PIN"), "{menu}");
}

#[tokio::test]
async fn malformed_callbacks_are_refused_and_change_nothing() {
    let db = fresh_db().await;
    let ev = sms_event(&db, 2).await;
    let router = sms_router(&db);
    let pin = ev.tickets[1].pin.to_string();
    let inbound_path = format!("/api/v1/sms/{SECRET}/inbound");
    let good = encode(&[("from", &phone(1)), ("to", SHORTCODE), ("text", &format!("CHECKIN {pin}")), ("id", "x1")]);
    let cases: Vec<(String, Vec<u8>)> = vec![
        ("/api/v1/sms/wrong_secret_0123456789abc/inbound".into(), good.clone()),
        (format!("/api/v1/sms/{}/inbound", &SECRET[..SECRET.len() - 1]), good.clone()),
        (inbound_path.clone(), encode(&[("from", &phone(1)), ("text", &format!("CHECKIN {pin}"))])),
        (inbound_path.clone(), encode(&[("from", ""), ("to", SHORTCODE), ("text", "CHECKIN 1"), ("id", "x2")])),
        (
            inbound_path.clone(),
            encode(&[("from", &phone(1)), ("to", SHORTCODE), ("text", &"9".repeat(5000)), ("id", "x3")]),
        ),
        (inbound_path.clone(), b"from=%2B254710000001&to=20880&id=x4&text=CHECKIN%20\xff\xfe".to_vec()),
        (inbound_path.clone(), b"from=\xff&to=20880&id=x5&text=CHECKIN".to_vec()),
        (format!("/api/v1/sms/{SECRET}/ussd"), encode(&[("phoneNumber", &phone(1)), ("text", "1")])),
        (format!("/api/v1/sms/{SECRET}/delivery"), encode(&[("status", "Success")])),
        (inbound_path.clone(), vec![b'a'; 600 * 1024]),
    ];
    for (path, body) in cases {
        let (status, answer) = post_form(&router, &path, body).await;
        assert!(status.is_client_error(), "{path}: {status} {answer}");
        assert!(!answer.contains(SECRET), "the secret never echoed");
    }
    for table in ["sms_attempts", "checkins"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db.pool).await.unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // Without a configured secret the routes do not exist at all.
    let plain = router_without_sms(&db);
    assert_eq!(post_form(&plain, &inbound_path, good.clone()).await.0, StatusCode::NOT_FOUND);
    // And the server keeps serving: the good callback is decided.
    assert_eq!(post_form(&router, &inbound_path, good).await.0, StatusCode::OK);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND outcome = 'accepted'", ev.id).await,
        1
    );
    let _ = GateId(0);
}

fn router_without_sms(db: &Db) -> axum::Router {
    router(db)
}

/// The CLI and the server as real processes on one SQLite file in `data`.
fn cli(data: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ingia-server"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("INGIA_MASTER_KEY")
        .env_remove("INGIA_SMS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run ingia-server");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn serve(data: &std::path::Path, at: &StandIn) -> std::process::Child {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::process::Command::new(env!("CARGO_BIN_EXE_ingia-server"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--static-dir", "/nonexistent"])
        .env_remove("DATABASE_URL")
        .env_remove("INGIA_MASTER_KEY")
        .env("INGIA_SMS", "africastalking")
        .env("INGIA_AT_USERNAME", USERNAME)
        .env("INGIA_AT_API_KEY", API_KEY)
        .env("INGIA_AT_BASE_URL", &at.base)
        .env("INGIA_SMS_SHORTCODE", SHORTCODE)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ingia-server")
}

async fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_server_killed_mid_batch_and_restarted_loses_and_doubles_no_text() {
    let data = std::env::temp_dir()
        .join(format!("ingia-sms-kill-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    let now = (ingia_server::util::now_ms() / 1000) as i64;
    let at_secs = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let out = cli(
        &data,
        &[
            "event",
            "create",
            "--name",
            "Lagos Live",
            "--venue",
            "Eko Hall",
            "--starts",
            &at_secs(now - 600),
            "--ends",
            &at_secs(now + 3600),
            "--gate",
            "Main",
            "--ticket-type",
            "Door",
        ],
    );
    let event = out.lines().next().unwrap().strip_prefix("event ").unwrap().to_string();
    let mut csv = String::from("name,phone,ticket_type\n");
    for i in 0..200 {
        csv.push_str(&format!("Guest{i} Holder,{},Door\n", phone(i)));
    }
    let file = data.join("people.csv");
    std::fs::write(&file, csv).unwrap();
    cli(&data, &["attendees", "import", &event, file.to_str().unwrap()]);
    assert!(cli(&data, &["tickets", "issue", &event]).contains("issued 200 tickets"));

    let at = StandIn::start().await;
    {
        let mut b = at.state.lock().unwrap();
        for i in (0..50).step_by(7) {
            b.fail_first.insert(phone(i));
        }
    }
    // The server texts; after 80 accepted the provider holds the next request, and the server
    // is killed (SIGKILL: no shutdown of any kind) with that text in flight.
    let mut server = serve(&data, &at);
    wait_for("80 accepted texts", 60, || at.accepted().len() >= 80).await;
    at.state.lock().unwrap().hold = true;
    wait_for("a held request", 30, || at.state.lock().unwrap().held_now > 0).await;
    server.kill().unwrap();
    server.wait().unwrap();
    at.release();
    let before = at.accepted().len();
    assert!((80..200).contains(&before), "killed mid-batch: {before} accepted");

    // Minutes pass (the backoffs and the interrupted claim expire); the server starts again.
    let db = Db::connect(&format!("sqlite://{}", data.join("ingia.db").display())).await.unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'sending'",
            EventId(event.parse().unwrap())
        )
        .await,
        1,
        "the text in flight when the server died"
    );
    time_passes(&db).await;
    let mut server = serve(&data, &at);
    wait_for("every text accepted", 90, || at.accepted().len() >= 200).await;
    // A moment more: nothing is sent twice afterwards either.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let accepted = at.accepted();
    let mut to: Vec<&str> = accepted.iter().map(|r| r.to.as_str()).collect();
    to.sort();
    to.dedup();
    assert_eq!((accepted.len(), to.len()), (200, 200), "{before} accepted before the kill; none lost, none twice");
    let ev = EventId(event.parse().unwrap());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE event_id = $1 AND state = 'sent'", ev).await, 200);
    let _ = std::fs::remove_dir_all(&data);
}
