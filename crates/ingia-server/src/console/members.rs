//! Signing in and out, joining by invite, and the owner's members page.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use ingia_core::access::{Need, OrgRole};
use maud::html;

use super::accounts::{self, Joining};
use super::html::{csrf, isolated, lang, page, problem, role_label, t, Frame};
use super::{cookie, see, session_cookie, Answer, Member, Post, PublicPost, Shown};
use crate::api::AppState;
use crate::error::Error;
use crate::ratelimit;
use crate::util::now_ms;
use ingia_core::i18n::fill;

/// Only failures count against an address (an office shares one): one that failed too often is
/// not heard until its tokens refill.
fn failures_waiting(state: &AppState, key: &str) -> Result<(), Error> {
    if !state.rate_limits {
        return Ok(());
    }
    state.limiter.waiting(key, ratelimit::SIGNIN_PER_IP).map_err(Error::RateLimited)
}

fn failed(state: &AppState, key: &str) {
    if state.rate_limits {
        // Out of tokens already: the next attempt waits (failures_waiting).
        let _ = state.limiter.check(key, ratelimit::SIGNIN_PER_IP);
    }
}

/// Whether this page was reached over plain HTTP at an address other than this machine's own:
/// browsers keep the Secure session cookie only over HTTPS or on localhost, so signing in would
/// silently not stick.
fn plain_http_elsewhere(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let name =
        host.rsplit_once(':').map_or(host, |(n, p)| if p.chars().all(|c| c.is_ascii_digit()) { n } else { host });
    let https =
        headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    !https && !matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

fn signin_form(message: Option<&str>, email: &str, headers: &HeaderMap) -> axum::response::Html<String> {
    let t = t();
    // The refusal in the page's language; a lock's English sentence (it names the time) under it.
    let (said, detail) = match message {
        Some(m) if m == accounts::WRONG_PASSWORD => (Some(t.wrong_password), None),
        Some(m) if lang() == ingia_core::Lang::En => (Some(m), None),
        Some(m) => (Some(t.account_locked), Some(m)),
        None => (None, None),
    };
    page(
        Frame { title: t.sign_in, trail: vec![], session: None },
        html! {
            @if let Some(said) = said { p.error role="alert" { (said) } }
            @if let Some(d) = detail { p.muted lang="en" dir="ltr" { (d) } }
            @if plain_http_elsewhere(headers) {
                p.error { (t.not_https) }
            }
            form.stack method="post" action="/console/signin" {
                label { (t.email) input type="email" name="email" value=(email) autocomplete="username" required; }
                label { (t.password) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (t.sign_in) }
            }
            p.hint { (t.new_here) }
        },
    )
}

pub async fn signin_page(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    // Already signed in: straight to the console.
    if let Some(token) = cookie(&headers, accounts::COOKIE) {
        if accounts::session(&state.db, token, now_ms()).await?.is_some() {
            return Ok(see("/console".into()));
        }
    }
    Ok(signin_form(None, "", &headers).into_response())
}

pub async fn signin(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PublicPost(f, headers): PublicPost,
) -> Answer {
    let key = format!("ip:{}:signin", addr.ip());
    failures_waiting(&state, &key)?;
    let now = now_ms();
    match accounts::sign_in(&state.db, f.get("email"), f.get("password"), now, state.signin_lock_ms).await {
        Ok(account) => signed_in(&state, account, now).await,
        Err(Error::SignIn(message)) => {
            failed(&state, &key);
            Ok((StatusCode::UNAUTHORIZED, signin_form(Some(&message), f.get("email"), &headers)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A new session for `account`, its cookie set, and on to the console.
async fn signed_in(state: &AppState, account: accounts::AccountId, now: u64) -> Answer {
    let token = accounts::new_session(&state.db, account, now).await?;
    let mut resp = see("/console".into());
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(Some(&token)));
    Ok(resp)
}

pub async fn signout(State(state): State<AppState>, post: Post) -> Answer {
    accounts::sign_out(&state.db, &post.member, post.fields.has("everywhere")).await?;
    let mut resp = see("/console/signin".into());
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(None));
    Ok(resp)
}

fn join_form(message: Option<&str>, f: &super::Fields) -> axum::response::Html<String> {
    let t = t();
    page(
        Frame { title: t.join_title, trail: vec![], session: None },
        html! {
            (problem(message))
            form.stack method="post" action="/console/join" {
                // Filled from the invite link's #fragment by console.js (the code never travels
                // in a URL the server or a proxy logs), or pasted.
                label { (t.invite_code) input name="code" id="invite-code" value=(f.get("code")) autocomplete="off" required; }
                label { (t.your_name) input name="name" value=(f.get("name")) autocomplete="name"; }
                label { (t.email) input type="email" name="email" value=(f.get("email")) autocomplete="username" required; }
                label { (t.password) input type="password" name="password" autocomplete="new-password" minlength="10" required; }
                p.hint { (t.password_hint) }
                button type="submit" { (t.join) }
            }
        },
    )
}

pub async fn join_page() -> Answer {
    Ok(join_form(None, &super::Fields::default()).into_response())
}

pub async fn join(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PublicPost(f, _): PublicPost,
) -> Answer {
    let key = format!("ip:{}:signin", addr.ip());
    failures_waiting(&state, &key)?;
    let now = now_ms();
    let j = Joining { code: f.get("code"), email: f.get("email"), name: f.get("name"), password: f.get("password") };
    match accounts::join(&state.db, &j, now).await {
        Ok((account, _org)) => signed_in(&state, account, now).await,
        Err(Error::BadRequest(m)) => {
            failed(&state, &key);
            Ok((StatusCode::BAD_REQUEST, join_form(Some(&m), &f)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn members_view(
    state: &AppState,
    s: &accounts::Session,
    org: i64,
    new_link: Option<(String, OrgRole)>,
    message: Option<&str>,
) -> Answer {
    let m = accounts::require_org(&state.db, s.account, org, Need::Members).await?;
    let list = accounts::members(&state.db, org).await?;
    let t = t();
    let body = html! {
        (problem(message))
        @if let Some((link, role)) = &new_link {
            section.notice {
                h2 { (fill(t.invite_link_for, &[("role", role_label(*role))])) }
                p { (t.invite_once) }
                input.copy readonly value=(link) aria-label=(t.invite_link);
            }
        }
        ul.cards {
            @for x in &list {
                li {
                    strong { (x.name) } " " span.muted { (x.email) }
                    form.row method="post" action={ "/console/orgs/" (org) "/members/" (x.account) } {
                        (csrf(s))
                        select name="role" aria-label=(fill(t.role_of, &[("name", &x.name)])) {
                            @for r in OrgRole::ALL.iter().rev() {
                                option value=(r.slug()) selected[*r == x.role] { (role_label(*r)) }
                            }
                            option value="remove" { (t.remove_member) }
                        }
                        button type="submit" { (t.save) }
                    }
                }
            }
        }
        h2 { (t.invite_someone) }
        form.row method="post" action={ "/console/orgs/" (org) "/invites" } {
            (csrf(s))
            select name="role" aria-label=(t.role) {
                @for r in OrgRole::ALL.iter().rev() {
                    option value=(r.slug()) selected[*r == OrgRole::Supervisor] { (role_label(*r)) }
                }
            }
            button type="submit" { (t.make_invite) }
        }
        p.hint { (t.roles_hint) }
    };
    let title = fill(t.team_of, &[("org", &isolated(&m.org_name))]);
    let status = if message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((
        status,
        page(
            Frame {
                title: &title,
                trail: vec![
                    (m.org_name.clone(), "/console".into()),
                    (t.team.into(), format!("/console/orgs/{org}/members")),
                ],
                session: Some(s),
            },
            body,
        ),
    )
        .into_response())
}

pub async fn members_page(State(state): State<AppState>, Member(s): Member, Path(org): Path<i64>) -> Answer {
    members_view(&state, &s, org, None, None).await
}

fn role_field(f: &super::Fields) -> Result<OrgRole, Shown> {
    OrgRole::from_slug(f.get("role")).ok_or_else(|| Shown(Error::BadRequest("choose a role".into())))
}

pub async fn invite(State(state): State<AppState>, Path(org): Path<i64>, headers: HeaderMap, post: Post) -> Answer {
    let m = accounts::require_org(&state.db, post.member.account, org, Need::Members).await?;
    let role = role_field(&post.fields)?;
    if !m.role.may_grant(role) {
        return Err(Error::Role("only an owner invites".into()).into());
    }
    let code = accounts::create_invite(&state.db, org, role, Some(post.member.account), now_ms()).await?;
    crate::audit::record_org(&state.db, org, None, &post.member.actor(), "member.invite", role.slug()).await?;
    let link = super::invite_link(&state.base_url(&headers), &code);
    members_view(&state, &post.member, org, Some((link, role)), None).await
}

pub async fn change_member(
    State(state): State<AppState>,
    Path((org, account)): Path<(i64, i64)>,
    post: Post,
) -> Answer {
    accounts::require_org(&state.db, post.member.account, org, Need::Members).await?;
    let role = match post.fields.get("role") {
        "remove" => None,
        _ => Some(role_field(&post.fields)?),
    };
    match accounts::set_member(&state.db, org, account, role, &post.member.actor()).await {
        Ok(()) => Ok(see(format!("/console/orgs/{org}/members"))),
        Err(Error::BadRequest(m)) => members_view(&state, &post.member, org, None, Some(&m)).await,
        Err(e) => Err(e.into()),
    }
}
