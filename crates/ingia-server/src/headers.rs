//! The security headers every answer carries: no sniffing, no framing, no referrer, HSTS over
//! HTTPS, and for the app's pages a Content Security Policy that allows what the scanner needs and
//! nothing more (its own scripts and the wasm they compile, its own styles, workers, the camera's
//! frames as blobs, fetches to this server). The console sets its own, stricter policy
//! (`console::guarded`); what a handler set is never replaced.

use std::path::Path;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::api::AppState;

/// HTTPS for a year, this host only (a venue laptop's name is not a public domain's).
const HSTS: &str = "max-age=31536000";

/// The server's own pages (the token dashboard): nothing inline.
pub const OWN_PAGE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The Content Security Policy of the built app's pages in `dir`: Trunk's inline module loader of
/// each page is allowed by its hash (read from the built html, so a new build needs no list kept
/// by hand); `'wasm-unsafe-eval'` lets the scripts compile their wasm, and nothing evaluates text.
pub fn app_csp(dir: &Path) -> String {
    let mut hashes = Vec::new();
    for page in ["index.html", "wallet.html", "kiosk.html"] {
        let Ok(html) = std::fs::read_to_string(dir.join(page)) else { continue };
        for body in inline_scripts(&html) {
            let hash = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body)));
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        hashes.join(" ")
    )
    .replace("  ", " ")
}

/// The text of each `<script>` element without a `src` (the build's own html: no comments or
/// strings hold a script tag).
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + open_end];
        let body_start = start + open_end + 1;
        let Some(len) = rest[body_start..].find("</script>") else { break };
        if !tag.contains(" src=") {
            out.push(&rest[body_start..body_start + len]);
        }
        rest = &rest[body_start + len..];
    }
    out
}

/// The response middleware (`api::app`).
pub async fn secure(State(state): State<AppState>, mut resp: Response) -> Response {
    let html = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let h = resp.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("no-referrer"));
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    if state.https {
        h.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static(HSTS));
    }
    if html {
        if let Some(csp) = &state.app_csp {
            h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp.clone());
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::inline_scripts;

    #[test]
    fn inline_scripts_are_found_and_loaded_ones_skipped() {
        let html = r#"<head><script src="/boot.js"></script><script type="module">import x from "/a.js";</script>
            <link rel="modulepreload" href="/a.js"><script>one()</script></head>"#;
        assert_eq!(inline_scripts(html), vec![r#"import x from "/a.js";"#, "one()"]);
        assert!(inline_scripts("<p>no script</p>").is_empty());
        assert!(inline_scripts("<script>never closed").is_empty());
    }
}
