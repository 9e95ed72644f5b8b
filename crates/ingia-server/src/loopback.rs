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

/// An answer: status, headers (names lower-cased) and body bytes.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One request with a bearer token and, for a body, its media type (also the `Accept`);
/// an error when the connection fails or is cut before the whole answer came.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    media_type: &str,
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: {media_type}\r\n\
         Content-Type: {media_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp).await?;
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the answer was cut");
    let end = resp.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(cut)?;
    let head = String::from_utf8_lossy(&resp[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or_else(cut)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = resp[end + 4..].to_vec();
    let answer = Answer { status, headers, body };
    if answer.header("content-length").and_then(|l| l.parse::<usize>().ok()).is_some_and(|l| l != answer.body.len()) {
        return Err(cut());
    }
    Ok(answer)
}
