//! The one error type of the server. Every variant has a stable code and a plain message for
//! the client; database and I/O details are logged here and never sent.
//! Invariant: no secret (token, key, code secret) is ever part of a message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or invalid device token")]
    Unauthorized,
    #[error("this device may not do that")]
    Forbidden,
    #[error("this device has been revoked")]
    Revoked,
    /// The console without a live session.
    #[error("sign in first")]
    SignedOut,
    /// A refused sign-in: wrong email or password, or a locked account (the message says until when).
    #[error("{0}")]
    SignIn(String),
    /// A console member whose role does not allow the request (the message names what it needs).
    #[error("{0}")]
    Role(String),
    /// A state change whose CSRF token or origin is not the console's own.
    #[error("refused: this request did not come from the console's own page (reload it and try again)")]
    CrossSite,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this pairing code is unknown, used or expired: ask your supervisor for a new one")]
    PairingCode,
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests; retry in {0} s")]
    RateLimited(u64),
    #[error("request body too large")]
    TooLarge,
    /// Creating an event or issuing a ticket on a server started without the issuing key.
    #[error(
        "this server cannot issue tickets: it was started without the issuing key (issuing.key or INGIA_ISSUING_KEY). \
         Check-ins, wallets and devices work here; create events and issue tickets on the server that keeps the key"
    )]
    CannotIssue,
    #[error("this address does not take that method")]
    MethodNotAllowed,
    #[error("storage error")]
    Db(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden => "forbidden",
            Error::Revoked => "device_revoked",
            Error::SignedOut => "signed_out",
            Error::SignIn(_) => "sign_in_refused",
            Error::Role(_) => "role_forbidden",
            Error::CrossSite => "cross_site",
            Error::NotFound(_) => "not_found",
            Error::PairingCode => "pairing_code_invalid",
            Error::Conflict(_) => "conflict",
            Error::RateLimited(_) => "rate_limited",
            Error::TooLarge => "too_large",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::CannotIssue => "cannot_issue",
            Error::Db(_) | Error::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized | Error::Revoked | Error::SignedOut | Error::SignIn(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Role(_) | Error::CrossSite => StatusCode::FORBIDDEN,
            Error::NotFound(_) | Error::PairingCode => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::CannotIssue => StatusCode::SERVICE_UNAVAILABLE,
            Error::Db(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A reference to a row that does not exist.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }

    /// A unique-constraint violation, to be answered as a typed conflict.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}
#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match &self {
            Error::Db(e) => tracing::error!(error = %e, "database error"),
            Error::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let body = Body { error: Inner { code: self.code(), message: self.to_string() } };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let Error::RateLimited(secs) = self {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        resp
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
