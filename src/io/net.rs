//! HTTP to the ingia-server from the browser: binary bodies (the manifest and the sync exchange,
//! `ingia_core::exchange`) and, for pairing and the wallet, JSON through the browser's own parser
//! and serializer (`JSON.parse`/`JSON.stringify`), so no JSON library ships in the wasm.
//! Invariant: every failure is a [`NetError`] with a sentence a steward can act on; a server's
//! `Retry-After` travels with it.

use ingia_core::exchange::MEDIA_TYPE;
use js_sys::{Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestInit, Response};

// The global scope's own, so the same code runs in a page and in the engine worker.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    fn fetch(request: &Request) -> js_sys::Promise;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// No network, or the server did not answer.
    #[error("no connection to the server")]
    Offline,
    /// The server answered with an error (its message); `retry_after_ms` from its `Retry-After`.
    #[error("{message}")]
    Server { status: u16, code: String, message: String, retry_after_ms: Option<u64> },
    #[error("unexpected answer from the server")]
    BadAnswer,
}

pub struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

fn js_err(_: JsValue) -> NetError {
    NetError::Offline
}

/// How long a request may take, answer included, before it counts as failed (`None`: as long as
/// it takes, e.g. the first download of a big event).
pub type Deadline = Option<u32>;

/// On a congested venue network a request can hang for minutes: the deadline aborts it, and the
/// fetch and the body read fail as "no connection".
fn signal(deadline: Deadline) -> Option<AbortSignal> {
    deadline.map(AbortSignal::timeout_with_u32)
}

/// Sends a request; `body` is its media type and value, `accept` what the answer may be. (The
/// callers build the body and the deadline, so a page that only sends JSON, the wallet, links no
/// binary or deadline code.)
async fn respond(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &JsValue)>,
    accept: &str,
    signal: Option<&AbortSignal>,
) -> Result<Response, NetError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(signal);
    let headers = Headers::new().map_err(js_err)?;
    if let Some(t) = token {
        headers.set("authorization", &format!("Bearer {t}")).map_err(js_err)?;
    }
    if let Some((media_type, value)) = body {
        headers.set("content-type", media_type).map_err(js_err)?;
        init.set_body(value);
    }
    headers.set("accept", accept).map_err(js_err)?;
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(js_err)?;
    JsFuture::from(fetch(&request)).await.map_err(js_err)?.dyn_into().map_err(js_err)
}

/// An answer's body, read as it arrives.
pub struct Body(Option<web_sys::ReadableStreamDefaultReader>);

impl Body {
    fn of(response: &Response) -> Result<Body, NetError> {
        match response.body() {
            Some(stream) => Ok(Body(Some(stream.get_reader().dyn_into().map_err(|_| NetError::BadAnswer)?))),
            None => Ok(Body(None)),
        }
    }

    /// [`chunk`](Self::chunk), but a connection silent for `ms` counts as dropped (a network
    /// that died without closing it: the live stream's keep-alives stopped coming), and so does
    /// one the browser says it has no network for (an open connection may outlive that).
    pub async fn chunk_within(&self, ms: u32) -> Result<Option<Vec<u8>>, NetError> {
        let mut read = std::pin::pin!(self.chunk());
        let mut quiet = 0;
        loop {
            let tick = gloo_timers::future::TimeoutFuture::new(1_000);
            if let futures_util::future::Either::Left((got, _)) =
                futures_util::future::select(read.as_mut(), tick).await
            {
                return got;
            }
            quiet += 1_000;
            if quiet >= ms || !online() {
                if let Some(reader) = &self.0 {
                    let _ = reader.cancel();
                }
                return Err(NetError::Offline);
            }
        }
    }

    /// The whole body, saying how much has come after each chunk.
    async fn all(&self, progress: &dyn Fn(u64)) -> Result<Vec<u8>, NetError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend(chunk);
            progress(body.len() as u64);
        }
        Ok(body)
    }

    /// The next bytes, or `None` at the end; a dropped connection is [`NetError::Offline`].
    pub async fn chunk(&self) -> Result<Option<Vec<u8>>, NetError> {
        let Some(reader) = &self.0 else { return Ok(None) };
        let chunk = JsFuture::from(reader.read()).await.map_err(js_err)?;
        if Reflect::get(&chunk, &"done".into()).map_err(js_err)?.as_bool().unwrap_or(true) {
            return Ok(None);
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(js_err)?;
        Ok(Some(Uint8Array::new(&value).to_vec()))
    }
}

async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &JsValue)>,
    accept: &str,
    progress: &dyn Fn(u64, Option<u64>),
    signal: Option<&AbortSignal>,
) -> Result<Reply, NetError> {
    let response = respond(method, path, token, body, accept, signal).await?;
    let total = response.headers().get("x-ingia-length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
    let body = Body::of(&response)?.all(&|n| progress(n, total)).await?;
    Ok(Reply { status: response.status(), headers: response.headers(), body })
}

/// Opens a response that does not end (the live stream, `text/event-stream`): its body to read
/// chunk by chunk, or the server's error.
pub async fn open_stream(path: &str, token: &str) -> Result<Body, NetError> {
    Ok(open_get(path, token, "text/event-stream").await?.1)
}

/// GETs an answer to read as it arrives (a big download kept part by part): its headers and
/// body, or the server's error.
pub async fn open_get(path: &str, token: &str, accept: &str) -> Result<(Headers, Body), NetError> {
    let response = respond("GET", path, Some(token), None, accept, None).await?;
    if (200..300).contains(&response.status()) {
        return Ok((response.headers(), Body::of(&response)?));
    }
    let body = Body::of(&response)?.all(&|_| {}).await?;
    Err(sync_error(&Reply { status: response.status(), headers: response.headers(), body }))
}

/// A number in an answer's header.
pub fn header_u64(headers: &Headers, name: &str) -> Option<u64> {
    headers.get(name).ok().flatten().and_then(|v| v.parse().ok())
}

/// Whether the browser says it has a network (`navigator.onLine`, in a page or a worker).
pub fn online() -> bool {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"onLine".into()))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// The server's error answer as a [`NetError::Server`] (its stable code and plain message).
fn server_error(reply: &Reply) -> NetError {
    let error = std::str::from_utf8(&reply.body)
        .ok()
        .and_then(|t| JSON::parse(t).ok())
        .and_then(|v| Reflect::get(&v, &"error".into()).ok())
        .unwrap_or(JsValue::UNDEFINED);
    NetError::Server {
        status: reply.status,
        code: field_str(&error, "code").unwrap_or_default(),
        message: field_str(&error, "message").unwrap_or_else(|| format!("server error {}", reply.status)),
        retry_after_ms: None,
    }
}

/// A sync request's error, with the server's `Retry-After` (seconds, what ingia-server sends; an
/// HTTP date is read as "no advice").
fn sync_error(reply: &Reply) -> NetError {
    let mut e = server_error(reply);
    if let NetError::Server { retry_after_ms, .. } = &mut e {
        *retry_after_ms = reply
            .headers
            .get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| v.parse::<u64>().ok())
            .map(|secs| secs.saturating_mul(1000));
    }
    e
}

/// The reply's JSON, or the server's error.
fn json_of(reply: Reply) -> Result<JsValue, NetError> {
    if !(200..300).contains(&reply.status) {
        return Err(server_error(&reply));
    }
    let text = std::str::from_utf8(&reply.body).map_err(|_| NetError::BadAnswer)?;
    JSON::parse(text).map_err(|_| NetError::BadAnswer)
}

pub async fn post_json(path: &str, token: Option<&str>, body: &JsValue) -> Result<JsValue, NetError> {
    let text = JSON::stringify(body).ok().and_then(|t| t.as_string()).ok_or(NetError::BadAnswer)?;
    let body = JsValue::from_str(&text);
    json_of(send("POST", path, token, Some(("application/json", &body)), "application/json", &|_, _| {}, None).await?)
}

/// POSTs a binary body (`ingia_core::exchange`) and returns the binary answer.
pub async fn post_bytes(path: &str, token: Option<&str>, body: &[u8], deadline: Deadline) -> Result<Vec<u8>, NetError> {
    let body: JsValue = Uint8Array::from(body).into();
    let signal = signal(deadline);
    let reply = send("POST", path, token, Some((MEDIA_TYPE, &body)), MEDIA_TYPE, &|_, _| {}, signal.as_ref()).await?;
    if (200..300).contains(&reply.status) {
        Ok(reply.body)
    } else {
        Err(sync_error(&reply))
    }
}

/// GET a binary body, reporting (received, total) as it arrives.
pub async fn get_bytes(
    path: &str,
    token: Option<&str>,
    progress: &dyn Fn(u64, Option<u64>),
    deadline: Deadline,
) -> Result<Reply, NetError> {
    let signal = signal(deadline);
    let reply = send("GET", path, token, None, MEDIA_TYPE, progress, signal.as_ref()).await?;
    if (200..300).contains(&reply.status) {
        Ok(reply)
    } else {
        Err(sync_error(&reply))
    }
}

/// A JSON object from key/value pairs (strings and numbers), for the pairing and wallet requests.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

pub fn field_str(v: &JsValue, key: &str) -> Option<String> {
    Reflect::get(v, &key.into()).ok().and_then(|x| x.as_string())
}

pub fn field_f64(v: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(v, &key.into()).ok().and_then(|x| x.as_f64())
}

/// A field that is an object (`None` when absent or not an object).
pub fn field_object(v: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(v, &key.into()).ok().filter(|x| x.is_object())
}

pub fn field_bool(v: &JsValue, key: &str) -> Option<bool> {
    Reflect::get(v, &key.into()).ok().and_then(|x| x.as_bool())
}
