//! The owner's API keys page: a key for a ticket shop (shown once), the list, revoke.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use ingia_core::access::Need;
use maud::html;

use super::accounts::{self, Session};
use super::html::{csrf, page, t, Frame};
use super::{see, Answer, Member, Post};
use crate::api::AppState;
use crate::error::Error;
use crate::shop::{self, Scope};
use ingia_core::i18n::fill;

async fn view(state: &AppState, s: &Session, org: i64, new: Option<(String, String)>) -> Answer {
    let m = accounts::require_org(&state.db, s.account, org, Need::Members).await?;
    let keys = shop::list(&state.db, org).await?;
    let tz = jiff::tz::TimeZone::UTC;
    let t = t();
    let body = html! {
        @if let Some((name, secret)) = &new {
            section.notice {
                h2 { (fill(t.key_named, &[("name", name)])) }
                p { (t.key_shown_once) }
                input.copy readonly value=(secret) aria-label=(t.api_key);
            }
        }
        ul.cards {
            @for k in &keys {
                li {
                    strong { (k.name) } " " span.badge { (k.scope.slug()) } @if k.revoked { " " span.badge { (t.revoked) } }
                    br;
                    span.muted {
                        (fill(t.key_made, &[("when", &super::when::show_ms(k.created_at, &tz))])) " · "
                        (fill(t.key_last_used, &[("when", &k.last_used_at.map(|at| super::when::show_ms(at, &tz)).unwrap_or_else(|| t.never.into()))]))
                    }
                    @if !k.revoked {
                        form method="post" action={ "/console/orgs/" (org) "/keys/" (k.id) "/revoke" } data-confirm=(t.revoke_key_confirm) {
                            (csrf(s)) button.danger type="submit" { (t.revoke) }
                        }
                    }
                }
            }
        }
        @if keys.is_empty() { p.muted { (t.no_keys) } }
        h2 { (t.new_key) }
        form.row method="post" action={ "/console/orgs/" (org) "/keys" } {
            (csrf(s))
            label { (t.f_name) input name="name" placeholder=(t.ticket_shop) maxlength="60" required; }
            label { (t.key_may) select name="scope" {
                option value=(Scope::AttendeesWrite.slug()) { (t.scope_write) }
                option value=(Scope::AttendeesRead.slug()) { (t.scope_read) }
            } }
            button type="submit" { (t.make_key) }
        }
        p.hint { (t.key_hint) }
    };
    let frame = Frame { title: t.api_keys, trail: vec![(m.org_name.clone(), "/console".into())], session: Some(s) };
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
