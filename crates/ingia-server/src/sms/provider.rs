//! Who carries a text: Africa's Talking (its documented bulk SMS API) or the console driver
//! (prints each text: the demo, `scripts/run.sh`). One small interface, `Provider::send`.
//! Invariant: the API key is sent in its header only; it never reaches a log or an error (an
//! error names the HTTP status or the provider's recipient status, never the request).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::Deserialize;

/// One request to the provider times out after this (the outbox retries it).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The provider's documented base URLs.
pub const AT_LIVE: &str = "https://api.africastalking.com";
pub const AT_SANDBOX: &str = "https://api.sandbox.africastalking.com";

/// Africa's Talking's account and where to reach it.
#[derive(Clone)]
pub struct AfricasTalking {
    pub username: String,
    api_key: String,
    /// The shortcode or sender id texts come from (`from`); the account's default without it.
    pub from: Option<String>,
    base: Base,
}

impl std::fmt::Debug for AfricasTalking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfricasTalking").field("username", &self.username).field("api_key", &"<hidden>").finish()
    }
}

#[derive(Debug, Clone)]
struct Base {
    tls: bool,
    host: String,
    port: u16,
}

/// The text carrier a server runs.
#[derive(Debug, Clone)]
pub enum Provider {
    AfricasTalking(Arc<AfricasTalking>),
    /// Prints every text on standard output.
    Console,
}

/// The provider accepted the text: its id (delivery reports name it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub id: Option<String>,
}

/// The provider did not take the text: the reason in one line, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub permanent: bool,
}

fn refused(reason: impl Into<String>, permanent: bool) -> Refused {
    Refused { reason: reason.into(), permanent }
}

impl AfricasTalking {
    /// `base`: [`AT_LIVE`], [`AT_SANDBOX`] or (tests) a stand-in's `http://127.0.0.1:PORT`.
    pub fn new(username: &str, api_key: &str, from: Option<&str>, base: &str) -> Result<AfricasTalking, String> {
        let (tls, rest) = match base.trim_end_matches('/').split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            _ => return Err("INGIA_AT_BASE_URL must start with https:// (or http:// on loopback)".into()),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "INGIA_AT_BASE_URL has a bad port".to_string())?),
            None => (rest, if tls { 443 } else { 80 }),
        };
        if host.is_empty() || host.contains('/') {
            return Err("INGIA_AT_BASE_URL must be a scheme and a host only".into());
        }
        if username.trim().is_empty() || api_key.trim().is_empty() {
            return Err("Africa's Talking needs INGIA_AT_USERNAME and INGIA_AT_API_KEY".into());
        }
        Ok(AfricasTalking {
            username: username.trim().into(),
            api_key: api_key.trim().into(),
            from: from.map(str::trim).filter(|f| !f.is_empty()).map(String::from),
            base: Base { tls, host: host.into(), port },
        })
    }
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(rename = "SMSMessageData")]
    data: MessageData,
}

#[derive(Deserialize)]
struct MessageData {
    #[serde(rename = "Recipients", default)]
    recipients: Vec<Recipient>,
    #[serde(rename = "Message", default)]
    message: String,
}

#[derive(Deserialize)]
struct Recipient {
    #[serde(rename = "statusCode")]
    status_code: u16,
    #[serde(default)]
    status: String,
    #[serde(rename = "messageId", default)]
    message_id: String,
}

impl Provider {
    /// Sends one text to one number.
    pub async fn send(&self, to: &str, text: &str) -> Result<Accepted, Refused> {
        match self {
            Provider::Console => {
                println!("SMS to {to}: {text}");
                Ok(Accepted { id: None })
            }
            Provider::AfricasTalking(at) => match tokio::time::timeout(SEND_TIMEOUT, at.send(to, text)).await {
                Ok(answer) => answer,
                Err(_) => Err(refused("the provider did not answer in time", false)),
            },
        }
    }
}

impl AfricasTalking {
    async fn send(&self, to: &str, text: &str) -> Result<Accepted, Refused> {
        let mut form = vec![("username", self.username.as_str()), ("to", to), ("message", text)];
        if let Some(from) = &self.from {
            form.push(("from", from));
        }
        let body = serde_urlencoded::to_string(&form).map_err(|_| refused("the text cannot be encoded", true))?;
        let (status, answer) = self.post("/version1/messaging", body).await?;
        match status {
            201 => {}
            401 => return Err(refused("the provider refused the API key (HTTP 401)", false)),
            400..=499 => return Err(refused(format!("the provider refused the request (HTTP {status})"), true)),
            _ => return Err(refused(format!("the provider failed (HTTP {status})"), false)),
        }
        let answer: SendAnswer =
            serde_json::from_slice(&answer).map_err(|_| refused("the provider's answer was not understood", false))?;
        let Some(r) = answer.data.recipients.first() else {
            let said: String = answer.data.message.chars().take(80).collect();
            return Err(refused(format!("the provider took no recipient ({said})"), true));
        };
        let status: String = r.status.chars().filter(|c| c.is_ascii_alphanumeric()).take(40).collect();
        match r.status_code {
            100..=102 => {
                Ok(Accepted { id: Some(r.message_id.chars().take(100).collect()).filter(|s: &String| !s.is_empty()) })
            }
            // Invalid number, blacklisted, rejected, invalid sender id, not network-enabled...
            401..=499 => Err(refused(format!("{status} (code {})", r.status_code), r.status_code != 405)),
            code => Err(refused(format!("{status} (code {code})"), false)),
        }
    }

    /// One HTTP/1.1 POST, form-encoded, over TLS (Mozilla's roots) or plain TCP.
    async fn post(&self, path: &str, body: String) -> Result<(u16, Bytes), Refused> {
        let unreachable = |_| refused("the provider cannot be reached", false);
        let tcp =
            tokio::net::TcpStream::connect((self.base.host.as_str(), self.base.port)).await.map_err(unreachable)?;
        let request = hyper::Request::post(path)
            .header("host", self.base.host.as_str())
            .header("apiKey", self.api_key.as_str())
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| refused("the request cannot be built", true))?;
        if self.base.tls {
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.base.host.clone())
                .map_err(|_| refused("the provider's host name is not valid", true))?;
            let tls =
                tls_connector().connect(name, tcp).await.map_err(|_| refused("TLS with the provider failed", false))?;
            exchange(TokioIo::new(tls), request).await
        } else {
            exchange(TokioIo::new(tcp), request).await
        }
    }
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: std::sync::OnceLock<Arc<tokio_rustls::rustls::ClientConfig>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = tokio_rustls::rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        Arc::new(
            tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    });
    tokio_rustls::TlsConnector::from(config.clone())
}

async fn exchange<T>(io: TokioIo<T>, request: hyper::Request<Full<Bytes>>) -> Result<(u16, Bytes), Refused>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let lost = |_| refused("the connection to the provider broke", false);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.map_err(lost)?;
    let driver = tokio::spawn(connection);
    let answer = sender.send_request(request).await.map_err(lost)?;
    let status = answer.status().as_u16();
    // A provider's answer is small; a huge one is not read whole.
    let body = http_body_util::Limited::new(answer.into_body(), 256 * 1024)
        .collect()
        .await
        .map_err(|_| refused("the provider's answer could not be read", false))?
        .to_bytes();
    driver.abort();
    Ok((status, body))
}
