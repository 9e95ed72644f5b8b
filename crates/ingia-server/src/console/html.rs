//! The console's page frame and the small pieces every page uses. maud escapes every value it
//! interpolates, so a name an attendee or member typed can never become markup.

use axum::response::Html;
use ingia_core::access::{Need, OrgRole};
use ingia_core::EventId;
use maud::{html, Markup, DOCTYPE};

use super::accounts::{Membership, Session};

/// Where a page sits: its trail of links (text, href), the last one the page itself.
pub struct Frame<'a> {
    pub title: &'a str,
    pub trail: Vec<(String, String)>,
    pub session: Option<&'a Session>,
}

pub fn page(frame: Frame<'_>, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · Ingia console" }
                link rel="stylesheet" href="/console/console.css";
                script src="/console/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/console" { "Ingia" }
                    nav.trail aria-label="You are here" {
                        @for (text, href) in &frame.trail {
                            a href=(href) { (text) }
                        }
                    }
                    @if let Some(s) = frame.session {
                        form.signout method="post" action="/console/signout" {
                            (csrf(s))
                            span.who { (s.name) }
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                main { h1 { (frame.title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

/// The hidden field every form of a session carries.
pub fn csrf(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(super::masked_token(&s.csrf)); }
}

pub fn message_page(title: &str, message: &str) -> Html<String> {
    page(
        Frame { title, trail: vec![], session: None },
        html! {
            p.error role="alert" { (message) }
            p { a href="/console" { "Back to the console" } }
        },
    )
}

/// Said on every page that would issue, on a server started without the issuing key.
pub fn cannot_issue() -> Markup {
    html! {
        p.notice role="status" {
            "This server cannot issue tickets: it was started without the issuing key (issuing.key or "
            "INGIA_ISSUING_KEY). Gates, wallets and check-ins work as usual. Create events and issue "
            "tickets on the server that holds the key, or restore the key here and restart."
        }
    }
}

/// An error above a form that kept what was typed.
pub fn problem(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.error role="alert" { (m) } } }
}

/// The tabs of an event's pages, only those the member's role opens (the server refuses the
/// others anyway).
pub fn event_tabs(event: EventId, m: &Membership, current: &str) -> Markup {
    let tabs = [
        ("Overview", format!("/console/events/{}", event.0), Need::View),
        ("Live", format!("/console/events/{}/live", event.0), Need::View),
        ("Attendees", format!("/console/events/{}/attendees", event.0), Need::Manage),
        ("Devices", format!("/console/events/{}/devices", event.0), Need::Operate),
        ("Report", format!("/console/events/{}/report", event.0), Need::View),
        ("Audit", format!("/console/orgs/{}/audit?event={}", m.org, event.0), Need::Manage),
    ];
    html! {
        nav.tabs aria-label="Event" {
            @for (name, href, need) in &tabs {
                @if m.role.can(*need) {
                    a href=(href) aria-current=[(*name == current).then_some("page")] { (name) }
                }
            }
        }
    }
}

pub fn role_label(role: OrgRole) -> &'static str {
    match role {
        OrgRole::Owner => "Owner",
        OrgRole::Manager => "Manager",
        OrgRole::Supervisor => "Supervisor",
        OrgRole::Viewer => "Viewer",
    }
}
