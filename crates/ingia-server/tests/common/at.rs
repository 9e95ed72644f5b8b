//! A stand-in of Africa's Talking's bulk SMS API on loopback, written from its documented
//! request and answer shapes: `POST /version1/messaging`, form fields `username`, `to`,
//! `message`, `from`, headers `apiKey` and `Accept: application/json`; HTTP 201 with
//! `SMSMessageData.Recipients[]` (statusCode 101 Success, 403 InvalidPhoneNumber, ...), 401
//! with a plain-text body for a bad key, 500 when it fails. The test decides which numbers
//! fail their first try, which are invalid, and can hold requests before they are accepted.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

pub const API_KEY: &str = "atsk_test_0123456789abcdef";
pub const USERNAME: &str = "sandbox";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub to: String,
    pub message: String,
    pub from: Option<String>,
    pub id: String,
}

#[derive(Default)]
pub struct Behaviour {
    /// Numbers whose first request is answered 500.
    pub fail_first: HashSet<String>,
    /// Numbers answered 201 with recipient statusCode 403 (InvalidPhoneNumber).
    pub invalid: HashSet<String>,
    /// While set, requests wait; on release they are refused with 500 (never accepted).
    pub hold: bool,
    pub tries: HashMap<String, u32>,
    pub accepted: Vec<Received>,
    pub held_now: u32,
    pub requests: u32,
}

#[derive(Clone)]
pub struct StandIn {
    pub base: String,
    pub state: Arc<Mutex<Behaviour>>,
    release: Arc<tokio::sync::Notify>,
}

impl StandIn {
    pub async fn start() -> StandIn {
        let state = Arc::new(Mutex::new(Behaviour::default()));
        let release = Arc::new(tokio::sync::Notify::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let s = StandIn { base, state, release };
        let app = Router::new().route("/version1/messaging", post(messaging)).with_state(s.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        s
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn release(&self) {
        self.state.lock().unwrap().hold = false;
        self.release.notify_waiters();
    }
}

async fn messaging(State(s): State<StandIn>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if headers.get("apiKey").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return (StatusCode::UNAUTHORIZED, "The supplied authentication is invalid").into_response();
    }
    if headers.get("accept").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return (StatusCode::BAD_REQUEST, "Accept must be application/json in this stand-in").into_response();
    }
    let form: HashMap<String, String> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(_) => return (StatusCode::BAD_REQUEST, "Invalid request").into_response(),
    };
    let (Some(username), Some(to), Some(message)) = (form.get("username"), form.get("to"), form.get("message")) else {
        return (StatusCode::BAD_REQUEST, "Missing required field").into_response();
    };
    if username != USERNAME {
        return (StatusCode::UNAUTHORIZED, "The supplied authentication is invalid").into_response();
    }
    let hold = {
        let mut b = s.state.lock().unwrap();
        b.requests += 1;
        if b.hold {
            b.held_now += 1;
        }
        b.hold
    };
    if hold {
        s.release.notified().await;
        s.state.lock().unwrap().held_now -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    let mut b = s.state.lock().unwrap();
    let tries = b.tries.entry(to.clone()).or_insert(0);
    *tries += 1;
    if *tries == 1 && b.fail_first.contains(to) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    let (code, status, id) = if b.invalid.contains(to) {
        (403, "InvalidPhoneNumber", "None".to_string())
    } else {
        let id = format!("ATXid_{:08}", b.accepted.len() + 1);
        b.accepted.push(Received {
            to: to.clone(),
            message: message.clone(),
            from: form.get("from").cloned(),
            id: id.clone(),
        });
        (101, "Success", id)
    };
    let answer = serde_json::json!({
        "SMSMessageData": {
            "Message": format!("Sent to {}/1 Total Cost: KES 0.8000", if code == 101 { 1 } else { 0 }),
            "Recipients": [{ "statusCode": code, "number": to, "status": status, "cost": "KES 0.8000", "messageId": id }]
        }
    });
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}
