//! Attendees and tickets in the console, the ticket shop's API and the ticket mail: a CSV with
//! another shop's headers and a bad row (named, nothing imported; mapped, the bad row skipped),
//! issuing, reissue (the old ticket revoked in the gates' manifest), the printable ticket, API
//! keys (idempotent pushes, scopes, revocation, another organization's event), and mail through
//! a real SMTP server on loopback (Debian's aiosmtpd): sent once, with a wallet link that opens
//! the ticket, retried when the server is down, sent again after a restart with the same id.

mod common;

use axum::http::StatusCode;
use common::console::{create_event, team, Answer, Browser, Team};
use common::Smtp;
use ingia_core::{EventId, TicketId, TicketStatus};
use ingia_server::events::ManifestForm;
use ingia_server::mail::{self, Mailer};
use ingia_server::Db;
use serde_json::json;

const SHOP_CSV: &str = "Order Ref,First Name,Last Name,E-mail,Phone Number,Ticket Type\n\
A-1001,Ngozi,Eze,ngozi@example.ng,+234 801 000 0001,General\n\
A-1002,Kwame,Mensah,kwame@example.gh,,VIP\n\
A-1003,Amina,Bello,not-an-email,,General\n\
A-1004,Tunde,Adeyemi,,0803 000 0004,Backstage\n\
A-1005,Fatou,Diallo,fatou@example.sn,,vip\n";

/// A multipart upload as a browser sends it: the CSRF field first, then the file.
async fn upload(b: &Browser, event: u64, name: &str, csv: &str) -> Answer {
    let boundary = "----ingia-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
         --{boundary}--\r\n",
        b.csrf
    );
    let origin = format!("http://{}", common::console::HOST);
    let ct = format!("multipart/form-data; boundary={boundary}");
    b.send_typed("POST", &format!("/console/events/{event}/uploads"), &ct, body, &[("origin", &origin)]).await
}

async fn event_with_team(db: &Db) -> (Team, u64) {
    let t = team(db, 60_000).await;
    let event = create_event(&t.manager, t.org, "Afrobeats Night").await;
    (t, event)
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn another_shops_csv_names_its_bad_rows_imports_nothing_then_imports_the_good_ones() {
    let db = common::fresh_db().await;
    let (t, event) = event_with_team(&db).await;
    let a = upload(&t.manager, event, "shop-export.csv", SHOP_CSV).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let mapping_path = a.location().to_string();
    let page = t.manager.get(&mapping_path).await;
    assert_eq!(page.status, StatusCode::OK);
    // The columns were guessed from the shop's own headers: first and last name, "Ticket Type".
    assert!(page.body.contains("<option value=\"1\" selected>First Name</option>"), "{}", page.body);
    assert!(page.body.contains("<option value=\"5\" selected>Ticket Type</option>"));
    assert!(page.body.contains("Ngozi Eze"), "the preview shows the mapped names");
    let mapping = [
        ("map_name", ""),
        ("map_first_name", "1"),
        ("map_last_name", "2"),
        ("map_email", "3"),
        ("map_phone", "4"),
        ("map_ticket_type", "5"),
        ("map_external_id", "0"),
    ];
    let mut fields = mapping.to_vec();
    fields.push(("action", "import"));
    let checked = t.manager.post(&mapping_path, &fields).await;
    assert_eq!(checked.status, StatusCode::BAD_REQUEST);
    assert!(checked.body.contains("Line 4: `not-an-email` is not an email address"), "{}", checked.body);
    assert!(checked.body.contains("Line 5: unknown ticket type `Backstage`"));
    assert!(checked.body.contains("nothing was imported"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets").await, 0);
    // The viewer and the supervisor cannot import (nor see the upload).
    for b in [&t.viewer, &t.supervisor] {
        assert_eq!(b.post(&mapping_path, &fields).await.status, StatusCode::FORBIDDEN);
    }
    // Another manager's upload is not theirs to read: uploads belong to who made them.
    assert_eq!(t.owner.get(&mapping_path).await.status, StatusCode::NOT_FOUND);
    let mut fields = mapping.to_vec();
    fields.push(("action", "skip"));
    let done = t.manager.post(&mapping_path, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets").await, 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM uploads").await, 0, "the upload is gone once imported");
    let list = t.manager.get(done.location()).await;
    assert!(list.body.contains("3 attendees imported"));
    assert!(list.body.contains("Ngozi Eze") && list.body.contains("Fatou Diallo"));
    // Search and filters.
    let found = t.manager.get(&format!("/console/events/{event}/attendees?q=mensah")).await;
    assert!(found.body.contains("Kwame Mensah") && !found.body.contains("Ngozi Eze"));
    let vip = t.manager.get(&format!("/console/events/{event}/attendees?type=2&status=pending&in=no")).await;
    assert!(vip.body.contains("2 attendees") && !vip.body.contains("Ngozi"), "{}", vip.body);
    // The same shop ids again: refused as already imported.
    let again = upload(&t.manager, event, "again.csv", SHOP_CSV).await;
    let mut fields = mapping.to_vec();
    fields.push(("action", "import"));
    let checked = t.manager.post(again.location(), &fields).await;
    assert!(checked.body.contains("ticket id `A-1001` is already imported"));
}

#[tokio::test]
async fn issue_reissue_status_and_print_reach_the_gates() {
    let db = common::fresh_db().await;
    let (t, event) = event_with_team(&db).await;
    let ev = EventId(event);
    let base = format!("/console/events/{event}/attendees");
    for (name, email, ty) in [("Ngozi Eze", "ngozi@example.ng", "General"), ("Kofi Osei", "", "VIP")] {
        let a = t
            .manager
            .post(&base, &[("name", name), ("email", email), ("phone", ""), ("ticket_type", ty), ("external_id", "")])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    }
    let bad = t.manager.post(&base, &[("name", ""), ("ticket_type", "General")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("the name is empty"));
    let a = t.manager.post(&format!("/console/events/{event}/tickets/issue"), &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(t.manager.get(a.location()).await.body.contains("2 tickets issued"));
    // One mail queued: the attendee with an email.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deliveries WHERE state = 'queued'").await, 1);
    // Reissue ticket 1: a new ticket 3 for the same attendee; ticket 1 revoked at the gates.
    let a = t.manager.post(&format!("{base}/1/reissue"), &[]).await;
    assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, format!("{base}/3").as_str()));
    let delta = ingia_server::events::manifest_delta(&db, &common::master(), ev, 0, ManifestForm::Clear).await.unwrap();
    let status = |id: u32| delta.tickets.iter().find(|x| x.id == TicketId(id)).map(|x| x.status);
    assert_eq!((status(1), status(3)), (Some(TicketStatus::Revoked), Some(TicketStatus::Active)));
    assert_eq!(delta.tickets.iter().find(|x| x.id == TicketId(3)).unwrap().holder, "Ngozi Eze");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deliveries WHERE ticket_id = 3").await, 1, "the new ticket's mail");
    let old = t.manager.get(&format!("{base}/1")).await;
    assert!(old.body.contains("Reissued as") && !old.body.contains(">Reissue<"));
    assert_eq!(t.manager.post(&format!("{base}/1/reissue"), &[]).await.status, StatusCode::BAD_REQUEST);
    // Block, unblock, refund.
    for (status, want) in
        [("blocked", TicketStatus::Blocked), ("active", TicketStatus::Active), ("refunded", TicketStatus::Refunded)]
    {
        assert_eq!(
            t.manager.post(&format!("{base}/2/status"), &[("status", status)]).await.status,
            StatusCode::SEE_OTHER
        );
        let d = ingia_server::events::manifest_delta(&db, &common::master(), ev, 0, ManifestForm::Clear).await.unwrap();
        assert_eq!(d.tickets.iter().find(|x| x.id == TicketId(2)).unwrap().status, want);
    }
    // The printable ticket: its QR (and a PIN only where the type takes one), for a manager only.
    let print = t.manager.get(&format!("{base}/3/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("<svg"));
    assert!(print.body.contains("needs the live code"), "General needs the live code: the page warns");
    assert!(!print.body.contains("class=\"pin\"") && !print.body.contains("PIN below"), "General takes no PIN");
    assert_eq!(t.supervisor.get(&format!("{base}/3/print")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.stranger.get(&format!("{base}/3/print")).await.status, StatusCode::NOT_FOUND);
    for path in [
        format!("{base}/3/reissue"),
        format!("{base}/3/status"),
        format!("{base}/3/mail"),
        format!("{base}/3/sms"),
        format!("{base}/3"),
        format!("/console/events/{event}/tickets/issue"),
        base.clone(),
    ] {
        assert_eq!(t.viewer.post(&path, &[("status", "revoked")]).await.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(t.stranger.post(&path, &[("status", "revoked")]).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // "Send the SMS again" with no failed SMS: a clear refusal, nothing queued.
    let none = t.manager.post(&format!("{base}/3/sms"), &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(none.body.contains("failed before it was sent"), "{}", none.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_outbox").await, 0);
    // Every change is audited with the member.
    let audit = t.manager.get(&format!("/console/orgs/{}/audit?event={event}", t.org)).await;
    for action in ["attendee.add", "tickets.issue", "ticket.reissue", "ticket.status", "ticket.print"] {
        assert!(audit.body.contains(action), "{action}");
    }
}

async fn key(t: &Team, scope: &str) -> String {
    let page = t.owner.post(&format!("/console/orgs/{}/keys", t.org), &[("name", "Shop"), ("scope", scope)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    key_on(&page.body)
}

/// The API key a page shows once.
fn key_on(body: &str) -> String {
    let at = body.find("value=\"ingk_").expect("the new key is on the page") + 7;
    body[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

#[tokio::test]
async fn a_shop_pushes_each_sale_idempotently_with_a_scoped_revocable_key() {
    let db = common::fresh_db().await;
    let (t, event) = event_with_team(&db).await;
    let router = t.router.clone();
    let write = key(&t, "attendees:write").await;
    let read = key(&t, "attendees:read").await;
    assert_eq!(t.manager.get(&format!("/console/orgs/{}/keys", t.org)).await.status, StatusCode::FORBIDDEN);
    // Only an owner makes or revokes keys.
    for b in [&t.viewer, &t.supervisor, &t.manager] {
        let a =
            b.post(&format!("/console/orgs/{}/keys", t.org), &[("name", "Mine"), ("scope", "attendees:write")]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(b.post(&format!("/console/orgs/{}/keys/1/revoke", t.org), &[]).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(upload(&t.viewer, event, "x.csv", SHOP_CSV).await.status, StatusCode::FORBIDDEN);
    assert_eq!(upload(&t.stranger, event, "x.csv", SHOP_CSV).await.status, StatusCode::NOT_FOUND);
    let path = format!("/api/v1/events/{event}/attendees/SALE-77");
    let sale = json!({ "name": "Zainab Bello", "email": "zainab@example.ng", "ticket_type": "VIP" });
    let (s, body) = common::call(&router, "PUT", &path, Some(&write), Some(sale.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["created"], true);
    let ticket = body["ticket"].as_u64().unwrap();
    // The same sale again: nothing new.
    let (s, body) = common::call(&router, "PUT", &path, Some(&write), Some(sale.clone())).await;
    assert_eq!((s, body["created"].clone(), body["ticket"].as_u64()), (StatusCode::OK, json!(false), Some(ticket)));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets").await, 1);
    // A correction, issued at once: the mail is queued.
    let fixed = json!({ "name": "Zainab A. Bello", "email": "zainab@example.ng", "ticket_type": "VIP", "issue": true });
    let (s, body) = common::call(&router, "PUT", &path, Some(&write), Some(fixed)).await;
    assert_eq!((s, body["issued"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deliveries").await, 1);
    let (_, list) = common::call(&router, "GET", &format!("/api/v1/events/{event}/attendees"), Some(&read), None).await;
    assert_eq!(list["attendees"][0]["name"], "Zainab A. Bello");
    assert_eq!(list["attendees"][0]["shop_id"], "SALE-77");
    assert_eq!(list["attendees"][0]["status"], "active");
    // Bad input is refused with the reason.
    let (s, body) =
        common::call(&router, "PUT", &path, Some(&write), Some(json!({ "name": "X", "ticket_type": "Backstage" })))
            .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown ticket type"));
    // Scopes: a read key cannot push, a write key cannot read.
    assert_eq!(common::call(&router, "PUT", &path, Some(&read), Some(sale.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        common::call(&router, "GET", &format!("/api/v1/events/{event}/attendees"), Some(&write), None).await.0,
        StatusCode::FORBIDDEN
    );
    // Another organization's key does not find this event.
    let theirs = {
        let page = t
            .stranger
            .post(&format!("/console/orgs/{}/keys", t.other_org), &[("name", "Theirs"), ("scope", "attendees:write")])
            .await;
        key_on(&page.body)
    };
    assert_eq!(common::call(&router, "PUT", &path, Some(&theirs), Some(sale.clone())).await.0, StatusCode::NOT_FOUND);
    // Revoked: refused at once. Nothing secret is kept: only hashes.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE scope = 'attendees:write' AND org_id = $1")
        .bind(t.org)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let a = t.owner.post(&format!("/console/orgs/{}/keys/{id}/revoke", t.org), &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(common::call(&router, "PUT", &path, Some(&write), Some(sale)).await.0, StatusCode::UNAUTHORIZED);
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys").fetch_all(&db.pool).await.unwrap();
    assert!(stored.iter().all(|h| !h.contains(&write[5..]) && h.len() == 64));
}

/// The quoted-printable soft line breaks and escapes of a mail's text undone (enough to read links).
fn unfolded(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

#[tokio::test]
async fn ticket_mail_goes_out_once_with_a_wallet_link_that_opens_the_ticket() {
    let db = common::fresh_db().await;
    let (t, event) = event_with_team(&db).await;
    let base = format!("/console/events/{event}/attendees");
    for (name, email) in [("Ngozi Eze", "ngozi@example.ng"), ("Kwame Mensah", "kwame@example.gh")] {
        t.manager.post(&base, &[("name", name), ("email", email), ("ticket_type", "General")]).await;
    }
    // A door type: the printed code and the PIN admit too (the console's new types take the
    // live code only).
    sqlx::query("UPDATE ticket_types SET ways = 7 WHERE event_id = $1")
        .bind(event as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    t.manager.post(&format!("/console/events/{event}/tickets/issue"), &[]).await;
    let master = common::master();
    // The SMTP server is down: the delivery waits, with the reason, and is tried again later.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down =
        Mailer::new(&format!("smtp://127.0.0.1:{closed}"), "Lagos Live <tickets@lagoslive.ng>", "http://gate.test")
            .unwrap();
    assert_eq!(mail::send_due(&db, &master, &down).await.unwrap(), 2);
    let (state, attempts, reason): (String, i64, Option<String>) =
        sqlx::query_as("SELECT state, attempts, last_error FROM deliveries WHERE ticket_id = 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(reason.is_some_and(|r| !r.is_empty()));
    assert_eq!(mail::send_due(&db, &master, &down).await.unwrap(), 0, "not due again before its backoff");
    // The server is up; the backoff is over (moved to now).
    let smtp = Smtp::start();
    sqlx::query("UPDATE deliveries SET next_at = 0").execute(&db.pool).await.unwrap();
    let up = Mailer::new(
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "Lagos Live <tickets@lagoslive.ng>",
        "http://gate.test",
    )
    .unwrap();
    assert_eq!(mail::send_due(&db, &master, &up).await.unwrap(), 2);
    assert_eq!(mail::send_due(&db, &master, &up).await.unwrap(), 0, "never sent twice");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    let ngozi = unfolded(mails.iter().find(|m| m.contains("ngozi@example.ng")).unwrap());
    assert!(ngozi.contains("Subject: Your ticket: Afrobeats Night"));
    assert!(ngozi.contains("Content-Type: image/png") && ngozi.contains("cid:ticket-qr"));
    assert!(ngozi.contains(&format!("Message-ID: <ticket-{event}-1@lagoslive.ng>")));
    let link = ngozi.split("http://gate.test/wallet#").nth(1).unwrap();
    let token: String = link.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let wallet = ingia_server::tickets::wallet(&db, &master, &token).await.expect("the mailed link opens the ticket");
    assert_eq!(wallet.holder, "Ngozi Eze");
    assert!(ngozi.contains(&wallet.pin), "the PIN is in the mail");
    // Sent: the link's sealed secret is gone from the database.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deliveries WHERE state = 'sent' AND sealed_link IS NULL").await, 2);
    let page = t.manager.get(&base).await;
    assert!(page.body.contains("mail: sent"));
    // A mail the server was sending when it stopped goes again, under the same Message-ID.
    t.manager.post(&format!("{base}/1/reissue"), &[]).await;
    sqlx::query("UPDATE deliveries SET state = 'sending', claimed_at = 0 WHERE ticket_id = 3")
        .execute(&db.pool)
        .await
        .unwrap();
    mail::requeue_interrupted(&db).await.unwrap();
    assert_eq!(mail::send_due(&db, &master, &up).await.unwrap(), 1);
    assert_eq!(smtp.mails().len(), 3);
    assert!(smtp.mails().iter().any(|m| m.contains(&format!("Message-ID: <ticket-{event}-3@lagoslive.ng>"))));
    // A type that takes the live code only: its mail offers neither a PIN nor a QR to print
    // (the gate would refuse both).
    sqlx::query("UPDATE ticket_types SET ways = 0 WHERE event_id = $1")
        .bind(event as i64)
        .execute(&db.pool)
        .await
        .unwrap();
    // Amina reads French (the attendee form's language): her mail is French.
    t.manager
        .post(
            &base,
            &[("name", "Amina Diallo"), ("email", "amina@example.sn"), ("ticket_type", "General"), ("language", "fr")],
        )
        .await;
    t.manager.post(&format!("/console/events/{event}/tickets/issue"), &[]).await;
    assert_eq!(mail::send_due(&db, &master, &up).await.unwrap(), 1);
    let amina = unfolded(smtp.mails().iter().find(|m| m.contains("amina@example.sn")).unwrap());
    assert!(amina.contains("http://gate.test/wallet#"), "the wallet link is the way in");
    assert!(amina.contains("Subject: Votre billet : Afrobeats Night"), "{amina}");
    assert!(amina.contains(r#"lang=3D"fr""#) || amina.contains(r#"lang="fr""#), "the html part says French");
    assert!(!amina.contains("PIN") && !amina.contains("image/png") && !amina.contains("print this mail"), "{amina}");
}

#[tokio::test]
async fn a_server_without_the_issuing_key_serves_the_gates_and_says_it_cannot_issue() {
    use axum::extract::connect_info::MockConnectInfo;
    use ingia_server::secrets::Keys;
    let db = common::fresh_db().await;
    let (t, event) = event_with_team(&db).await;
    let base = format!("/console/events/{event}/attendees");
    let add = |name: &'static str| {
        let b = t.manager.clone();
        let base = base.clone();
        async move {
            let fields =
                [("name", name), ("email", ""), ("phone", ""), ("ticket_type", "General"), ("external_id", "")];
            assert_eq!(b.post(&base, &fields).await.status, StatusCode::SEE_OTHER);
        }
    };
    add("Ngozi Eze").await;
    assert_eq!(
        t.manager.post(&format!("/console/events/{event}/tickets/issue"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    add("Kofi Osei").await;
    let write = key(&t, "attendees:write").await;

    // The same database, served by a box at the venue that holds the master key only.
    let venue = ingia_server::app(ingia_server::AppState::new(
        db.clone(),
        Keys { master: common::master(), issuing: None },
        None,
    ))
    .layer(MockConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 3], 4000))));
    let at_venue = |b: &Browser| Browser { router: venue.clone(), ..b.clone() };
    let (manager, supervisor) = (at_venue(&t.manager), at_venue(&t.supervisor));
    let home = manager.get("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("This server cannot issue tickets"), "{}", home.body);
    assert!(!home.body.contains("/events/new"), "no button that can only fail");
    let new = manager.get(&format!("/console/orgs/{}/events/new", t.org)).await;
    assert_eq!(new.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(new.body.contains("INGIA_ISSUING_KEY"), "{}", new.body);
    let events = count(&db, "SELECT COUNT(*) FROM events").await;
    let made =
        manager.post(&format!("/console/orgs/{}/events", t.org), &common::console::event_fields("Night 2")).await;
    assert_eq!(made.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events").await, events);
    let list = manager.get(&base).await;
    assert!(list.body.contains("This server cannot issue tickets") && !list.body.contains("/tickets/issue"));
    let issue = manager.post(&format!("/console/events/{event}/tickets/issue"), &[]).await;
    assert_eq!(issue.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(issue.body.contains("cannot issue"), "{}", issue.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets WHERE issued = 0").await, 1, "still waiting");
    assert!(!manager.get(&format!("{base}/1")).await.body.contains("/reissue"));
    assert_eq!(manager.post(&format!("{base}/1/reissue"), &[]).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets WHERE status = 'revoked'").await, 0);
    // A shop's sale that asks to be issued is refused whole, so the shop retries it whole.
    let path = format!("/api/v1/events/{event}/attendees/SALE-9");
    let sale = json!({ "name": "Zainab Bello", "ticket_type": "General", "issue": true });
    let (s, body) = common::call(&venue, "PUT", &path, Some(&write), Some(sale)).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("cannot_issue")));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets").await, 2, "the sale was not saved");

    // Everything that does not mint a ticket works: pairing, manifests, wallets, check-ins.
    common::console::pair_device(&supervisor, event).await;
    let ev = common::event(&db, &common::keys(), 3).await;
    let (device, token) = common::device(&db, ev.id, common::MAIN, ingia_server::devices::Role::Steward).await;
    let (s, bytes) = common::call_raw(&venue, "GET", "/api/manifest?since=0", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ingia_core::Manifest::decode(&bytes).unwrap().ticket_count(), 3);
    let ticket = &ev.tickets[0];
    let (s, w) = common::call(&venue, "POST", "/api/wallet", None, Some(json!({"token": ticket.wallet_token}))).await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let now = ingia_server::util::now_ms();
    let record = common::record(device, 1, &ev, Some(ticket.id.0), common::MAIN, true, now);
    let (s, v) =
        common::call(&venue, "POST", "/api/checkins", Some(&token), Some(json!({ "records": [record] }))).await;
    assert_eq!((s, v["results"][0]["outcome"]["outcome"].as_str()), (StatusCode::OK, Some("accepted")), "{v}");
}

#[tokio::test]
async fn keys_sealed_before_the_issuing_key_are_resealed_under_it() {
    let db = common::fresh_db().await;
    let ev = common::event(&db, &common::keys(), 2).await;
    let dir = std::env::temp_dir()
        .join(format!("ingia-keys-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<6>())));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("issuing.key");
    // Over events sealed under an issuing key this machine lacks, none is made: it cannot issue.
    assert!(ingia_server::events::issuing_key(&db, &common::master(), &path).await.unwrap().is_none());
    assert!(!path.exists());
    // A database from before the split: the signing key sealed under the master key.
    let seed = ingia_server::events::signing_key(&db, &common::keys(), ev.id).await.unwrap();
    let old = common::master().seal(format!("ingia event {} key 1", ev.id.0).as_bytes(), &seed.seed_bytes());
    sqlx::query("UPDATE event_keys SET sealed_secret = $1, sealed_by = 'master'")
        .bind(old)
        .execute(&db.pool)
        .await
        .unwrap();
    let issuing = ingia_server::events::issuing_key(&db, &common::master(), &path).await.unwrap().expect("a key");
    assert!(path.exists(), "a new issuing key, written for the backup");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM event_keys WHERE sealed_by = 'master'").await, 0);
    let keys = ingia_server::secrets::Keys { master: common::master(), issuing: Some(issuing) };
    let again = ingia_server::events::signing_key(&db, &keys, ev.id).await.unwrap();
    assert_eq!(again.seed_bytes(), seed.seed_bytes(), "the same signing key, under the new seal");
    // Another issuing key does not open it.
    let other = ingia_server::secrets::IssuingKey::from_hex(&"11".repeat(32)).unwrap();
    let wrong = ingia_server::secrets::Keys { master: common::master(), issuing: Some(other) };
    assert!(ingia_server::events::signing_key(&db, &wrong, ev.id).await.is_err());
    std::fs::remove_dir_all(dir).unwrap();
}
