//! An open event stream read event by event, and a gate's live stream read message by message
//! as the scanner reads it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use ingia_core::live::{LiveMessage, SseEvent, SseParser};
use ingia_core::LedgerEntry;
use tower::ServiceExt;

/// An open `text/event-stream` response, read event by event as a browser reads it.
pub struct SseBody {
    /// Every byte read so far.
    pub raw: Vec<u8>,
    body: Body,
    parser: SseParser,
    queued: VecDeque<SseEvent>,
}

impl SseBody {
    /// Sends `req` and checks that the answer is an event stream.
    pub async fn open(router: &axum::Router, req: Request<Body>) -> SseBody {
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        SseBody { body: resp.into_body(), parser: SseParser::new(), queued: VecDeque::new(), raw: Vec::new() }
    }

    /// The next event within `within`, or `None` when the stream ended or stayed quiet.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let until = Instant::now() + within;
        loop {
            if let Some(ev) = self.queued.pop_front() {
                return Some(ev);
            }
            let left = until.checked_duration_since(Instant::now())?;
            let frame = tokio::time::timeout(left, self.body.frame()).await.ok()??.unwrap();
            let Ok(bytes) = frame.into_data() else { continue };
            self.raw.extend_from_slice(&bytes);
            self.queued.extend(self.parser.feed(&bytes).unwrap());
        }
    }
}

/// One gate's open stream.
pub struct Live {
    pub sse: SseBody,
}

impl Live {
    pub async fn open(router: &axum::Router, token: &str, since: u64, last_id: Option<u64>) -> Live {
        let mut req =
            Request::get(format!("/api/live?since={since}")).header("authorization", format!("Bearer {token}"));
        if let Some(id) = last_id {
            req = req.header("last-event-id", id.to_string());
        }
        Live { sse: SseBody::open(router, req.body(Body::empty()).unwrap()).await }
    }

    /// The next message within `within`, or `None` when the stream ended or stayed quiet.
    pub async fn next(&mut self, within: Duration) -> Option<(Option<String>, LiveMessage)> {
        let ev = self.sse.next(within).await?;
        let m = LiveMessage::parse(&ev.event, &ev.data).unwrap().expect("a message this version knows");
        Some((ev.id, m))
    }

    /// The next phone list (`LiveMessage::Phone`).
    pub async fn phone(&mut self, within: Duration) -> Option<Vec<ingia_core::live::PhoneArrival>> {
        loop {
            if let (_, LiveMessage::Phone(list)) = self.next(within).await? {
                return Some(list);
            }
        }
    }

    /// The next admissions message: (after, seq, entries, SSE id).
    pub async fn admissions(&mut self, within: Duration) -> Option<(u64, u64, Vec<LedgerEntry>, Option<String>)> {
        loop {
            match self.next(within).await? {
                (id, LiveMessage::Admissions { after, seq, entries, .. }) => return Some((after, seq, entries, id)),
                (_, LiveMessage::Revision(_) | LiveMessage::Phone(_)) => continue,
            }
        }
    }
}
