//! The accept loop: every connection served by hyper with a header-read timeout, so an idle or
//! half-sent connection (a slowloris, a phone that walked out of range mid-request) is closed
//! instead of held open; keep-alive waits count as header reads. `axum::serve` has no such
//! setting, hence this loop (graceful shutdown included).
//!
//! With TLS (rustls, certificate and key from PEM files), the same port also answers a plain-HTTP
//! request, with a redirect to its https:// address: the first byte tells a TLS handshake (0x16)
//! from a request line. A browser that offers HTTP/2 gets it (the live stream and the console's
//! board then share one connection); everything else speaks HTTP/1.1.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tower::ServiceExt;

/// How long a client may take to send a request's headers (and how long a kept-alive connection
/// may sit idle); a TLS handshake gets the same time.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a stopping server waits for its requests in flight (a live stream never ends by
/// itself: it is cut at this deadline, and its gate reconnects to another instance or later).
pub const DRAIN: Duration = Duration::from_secs(5);

/// How a listener speaks.
#[derive(Clone)]
pub struct Listen {
    pub header_timeout: Duration,
    /// HTTPS with this configuration (see [`tls_config`]); plain HTTP without.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Where a plain-HTTP request on a TLS port is sent: `https://` + this origin (the public
    /// address), or the request's own host at `https_port`.
    pub redirect_origin: Option<String>,
    pub https_port: u16,
}

impl Listen {
    pub fn plain(header_timeout: Duration) -> Self {
        Listen { header_timeout, tls: None, redirect_origin: None, https_port: 443 }
    }
}

/// The server's TLS configuration from PEM files: the certificate chain (leaf first) and its
/// private key (PKCS#8, PKCS#1 or SEC1). ALPN offers HTTP/2, then HTTP/1.1.
pub fn tls_config(cert: &Path, key_file: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not a PEM certificate chain ({e:?})", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in it", cert.display()));
    }
    // The key's bytes never reach a message: only its path and what kind of problem it has.
    let key = PrivateKeyDer::from_pem_slice(&read(key_file)?)
        .map_err(|_| format!("{}: no PEM private key in it", key_file.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("{}: not the key of {} ({e})", key_file.display(), cert.display()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (at most [`DRAIN`]) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    listen: Listen,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Each connection holds a sender; the channel closes when the last one ends.
    let (open_tx, mut open_rx) = tokio::sync::mpsc::channel::<()>(1);
    let acceptor = listen.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let redirect = redirect_app(listen.redirect_origin.clone(), listen.https_port);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment, keep serving.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (app, redirect, acceptor) = (app.clone(), redirect.clone(), acceptor.clone());
        let stop = stop_rx.clone();
        let open = open_tx.clone();
        let timeout = listen.header_timeout;
        tokio::spawn(async move {
            let _open = open;
            let Some(acceptor) = acceptor else {
                return connection(stream, addr, app, timeout, false, stop).await;
            };
            match tokio::time::timeout(timeout, first_byte(&stream)).await {
                Ok(Some(0x16)) => {}
                // A request line: plain HTTP on the TLS port gets its https:// address.
                Ok(Some(_)) => return connection(stream, addr, redirect, timeout, false, stop).await,
                Ok(None) | Err(_) => return,
            }
            let tls = match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                // A failed handshake (a phone that does not trust the certificate yet, a scanner
                // of ports) is the client's business: logged at debug only.
                Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => return,
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            connection(tls, addr, app, timeout, h2, stop).await
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_tx);
    if tokio::time::timeout(DRAIN, open_rx.recv()).await.is_err() {
        tracing::warn!("stopping: requests still open after {} s were cut", DRAIN.as_secs());
    }
    Ok(())
}

/// A plain-HTTP listener (port 80) whose every answer is the redirect to the HTTPS server.
pub async fn serve_redirect(
    listener: TcpListener,
    listen: Listen,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = redirect_app(listen.redirect_origin.clone(), listen.https_port);
    serve(listener, app, Listen { tls: None, ..listen }, shutdown).await
}

async fn first_byte(stream: &TcpStream) -> Option<u8> {
    let mut b = [0u8; 1];
    match stream.peek(&mut b).await {
        Ok(1) => Some(b[0]),
        _ => None,
    }
}

/// Runs a hyper connection to its end, or, once `stop` changes, lets it finish the request in
/// flight and closes it (http1 and http2 connections alike have `graceful_shutdown`).
macro_rules! until_stopped {
    ($conn:expr, $stop:ident) => {{
        let conn = $conn;
        tokio::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => {}
            _ = $stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }};
}

async fn connection<S>(
    io: S,
    addr: SocketAddr,
    app: Router,
    timeout: Duration,
    h2: bool,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = app.map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
        req.map(axum::body::Body::new)
    });
    let svc = TowerToHyperService::new(svc);
    if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        // A silent peer is found by pings instead of the header timeout.
        builder.timer(TokioTimer::new()).keep_alive_interval(Some(timeout)).keep_alive_timeout(timeout);
        until_stopped!(builder.serve_connection(TokioIo::new(io), svc), stop);
    } else {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(timeout);
        until_stopped!(builder.serve_connection(TokioIo::new(io), svc), stop);
    }
}

/// Every request answered with `308 Permanent Redirect` to the same path and query over HTTPS
/// (308 keeps a POST a POST).
fn redirect_app(origin: Option<String>, https_port: u16) -> Router {
    Router::new().fallback(move |headers: axum::http::HeaderMap, uri: Uri| {
        let origin = origin.clone();
        async move {
            let origin = origin.or_else(|| {
                let host = headers.get(header::HOST)?.to_str().ok()?;
                https_origin(host, https_port)
            });
            let Some(origin) = origin else {
                return (StatusCode::BAD_REQUEST, "this server speaks HTTPS").into_response();
            };
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let Ok(location) = HeaderValue::from_str(&format!("{origin}{path}")) else {
                return (StatusCode::BAD_REQUEST, "this server speaks HTTPS").into_response();
            };
            let mut resp: Response = StatusCode::PERMANENT_REDIRECT.into_response();
            resp.headers_mut().insert(header::LOCATION, location);
            resp
        }
    })
}

/// `https://HOST[:PORT]` for a request's Host header (its port replaced by the HTTPS one); `None`
/// for a host that is not a plain name or address.
fn https_origin(host: &str, port: u16) -> Option<String> {
    let name = match host.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split_once(']')?.0),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h).to_string(),
    };
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    ok.then(|| if port == 443 { format!("https://{name}") } else { format!("https://{name}:{port}") })
}

#[cfg(test)]
mod tests {
    use super::https_origin;

    #[test]
    fn the_redirect_keeps_the_host_and_takes_the_https_port() {
        assert_eq!(https_origin("venue.local", 443).as_deref(), Some("https://venue.local"));
        assert_eq!(https_origin("192.168.1.10:8080", 8443).as_deref(), Some("https://192.168.1.10:8443"));
        assert_eq!(https_origin("[fe80::1]:80", 8443).as_deref(), Some("https://[fe80::1]:8443"));
        assert_eq!(https_origin("evil.example/x", 443), None);
        assert_eq!(https_origin("a@b", 443), None);
        assert_eq!(https_origin("", 443), None);
    }
}
