//! A minimal HTTP/1.1 client for a local ingia-server: the multi-process tests and the sync
//! benchmark talk to real sockets with it (one connection per request, `Connection: close`).
//! Not for the open internet: no TLS, no redirects, no chunked bodies.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// POSTs JSON with a bearer token; returns (status, JSON body or `Null`).
pub async fn post_json(addr: &str, path: &str, token: &str, body: &Value) -> std::io::Result<(u16, Value)> {
    let body = body.to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await?;
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp).await?;
    let text = String::from_utf8_lossy(&resp);
    let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}
