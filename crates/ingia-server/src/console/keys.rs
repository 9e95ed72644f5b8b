//! The owner's API keys page: a key for a ticket shop (shown once), the list, revoke.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use ingia_core::access::Need;
use maud::html;

use super::accounts::{self, Session};
use super::html::{csrf, page, Frame};
use super::{see, Answer, Member, Post};
use crate::api::AppState;
use crate::error::Error;
use crate::shop::{self, Scope};

async fn view(state: &AppState, s: &Session, org: i64, new: Option<(String, String)>) -> Answer {
    let m = accounts::require_org(&state.db, s.account, org, Need::Members).await?;
    let keys = shop::list(&state.db, org).await?;
    let tz = jiff::tz::TimeZone::UTC;
    let body = html! {
        @if let Some((name, secret)) = &new {
            section.notice {
                h2 { "Key “" (name) "”" }
                p { "Copy it into the ticket shop now: it is shown only once." }
                input.copy readonly value=(secret) aria-label="API key";
            }
        }
        ul.cards {
            @for k in &keys {
                li {
                    strong { (k.name) } " " span.badge { (k.scope.slug()) } @if k.revoked { " " span.badge { "revoked" } }
                    br;
                    span.muted { "made " (super::when::show_ms(k.created_at, &tz)) " · last used "
                        (k.last_used_at.map(|t| super::when::show_ms(t, &tz)).unwrap_or_else(|| "never".into())) }
                    @if !k.revoked {
                        form method="post" action={ "/console/orgs/" (org) "/keys/" (k.id) "/revoke" } data-confirm="Revoke this key? The shop's next call is refused." {
                            (csrf(s)) button.danger type="submit" { "Revoke" }
                        }
                    }
                }
            }
        }
        @if keys.is_empty() { p.muted { "No keys yet." } }
        h2 { "New key" }
        form.row method="post" action={ "/console/orgs/" (org) "/keys" } {
            (csrf(s))
            label { "Name" input name="name" placeholder="Ticket shop" maxlength="60" required; }
            label { "May" select name="scope" {
                option value=(Scope::AttendeesWrite.slug()) { "push sales (attendees:write)" }
                option value=(Scope::AttendeesRead.slug()) { "read attendees (attendees:read)" }
            } }
            button type="submit" { "Make the key" }
        }
        p.hint { "The shop calls PUT /api/v1/events/EVENT/attendees/ITS_TICKET_ID with the key (docs/api.md)." }
    };
    let frame = Frame { title: "API keys", trail: vec![(m.org_name.clone(), "/console".into())], session: Some(s) };
    Ok(page(frame, body).into_response())
}

pub async fn keys_page(State(state): State<AppState>, Member(s): Member, Path(org): Path<i64>) -> Answer {
    view(&state, &s, org, None).await
}

pub async fn create(State(state): State<AppState>, Path(org): Path<i64>, post: Post) -> Answer {
    accounts::require_org(&state.db, post.member.account, org, Need::Members).await?;
    let f = &post.fields;
    let scope =
        Scope::from_slug(f.get("scope")).ok_or_else(|| Error::BadRequest("choose what the key may do".into()))?;
    let secret = shop::create(&state.db, org, f.get("name"), scope, post.member.account, &post.member.actor()).await?;
    view(&state, &post.member, org, Some((f.get("name").trim().to_string(), secret))).await
}

pub async fn revoke(State(state): State<AppState>, Path((org, id)): Path<(i64, i64)>, post: Post) -> Answer {
    accounts::require_org(&state.db, post.member.account, org, Need::Members).await?;
    shop::revoke(&state.db, org, id, &post.member.actor()).await?;
    Ok(see(format!("/console/orgs/{org}/keys")))
}
