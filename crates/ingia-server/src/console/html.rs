//! The console's page frame and the small pieces every page uses. maud escapes every value it
//! interpolates, so a name an attendee or member typed can never become markup.

use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{Html, Response};
use ingia_core::access::{Need, OrgRole};
use ingia_core::i18n::{fill, ConsoleLabels};
use ingia_core::{EventId, Lang};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::accounts::{Membership, Session};

/// Where a page sits: its trail of links (text, href), the last one the page itself.
pub struct Frame<'a> {
    pub title: &'a str,
    pub trail: Vec<(String, String)>,
    pub session: Option<&'a Session>,
}

tokio::task_local! {
    /// The language of the console request being answered.
    static LANG: Lang;
}

/// The cookie that remembers a browser's console language.
pub const LANG_COOKIE: &str = "ingia-lang";

/// The language a request asks for: the console's picker (its cookie), else the browser's
/// `Accept-Language`, else English.
pub fn chosen(headers: &HeaderMap) -> Lang {
    if let Some(lang) = super::cookie(headers, LANG_COOKIE).and_then(Lang::from_tag) {
        return lang;
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    Lang::negotiate(accept.split(',').map(|t| t.split(';').next().unwrap_or("").trim()).filter(|t| !t.is_empty()))
}

/// Every console request runs in its language (the pages read it through [`lang`]).
pub async fn in_language(req: Request, next: Next) -> Response {
    let lang = chosen(req.headers());
    LANG.scope(lang, next.run(req)).await
}

/// The language of the page being drawn.
pub fn lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Runs `f` in `lang` (a stream drawing after its request's task has moved on).
pub fn drawn_in<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, f)
}

/// A name inside a sentence, isolated from it (an English event name in an Arabic title keeps its
/// own direction, and the sentence's colon stays where the sentence puts it); left-to-right
/// pages need no marks.
pub fn isolated(name: &str) -> String {
    if lang().rtl() {
        format!("\u{2068}{name}\u{2069}")
    } else {
        name.to_string()
    }
}

/// The console's words in the page's language.
pub fn t() -> &'static ConsoleLabels {
    lang().console()
}

/// A catalogue template whose placeholders are markup ("Inside now: {n} of {capacity}" with
/// `n` in a `strong`): the words escaped, the markup as given, never glued from fragments.
pub fn say(template: &str, args: &[(&str, Markup)]) -> Markup {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&html! { (rest[..open]) }.into_string());
        let after = &rest[open + 1..];
        let arg =
            after.find('}').and_then(|close| args.iter().find(|(k, _)| *k == &after[..close]).map(|a| (a, close)));
        match arg {
            Some(((_, markup), close)) => {
                out.push_str(&markup.0);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(&html! { (rest) }.into_string());
    PreEscaped(out)
}

pub fn page(frame: Frame<'_>, body: Markup) -> Html<String> {
    let (lang, t) = (lang(), t());
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(if lang.rtl() { "rtl" } else { "ltr" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (fill(t.page_title, &[("title", frame.title)])) }
                link rel="stylesheet" href="/console/console.css";
                script src="/console/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/console" { "Ingia" }
                    nav.trail aria-label=(t.you_are_here) {
                        @for (text, href) in &frame.trail {
                            a href=(href) { (text) }
                        }
                    }
                    @if let Some(s) = frame.session {
                        form.signout method="post" action="/console/signout" {
                            (csrf(s))
                            span.who { (s.name) }
                            button.link type="submit" { (t.sign_out) }
                        }
                    }
                    (picker(lang))
                }
                main { h1 { (frame.title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

/// The language picker: each language named in itself; remembered in a cookie on this browser.
fn picker(current: Lang) -> Markup {
    html! {
        form.lang method="post" action="/console/lang" {
            select name="lang" aria-label=(ingia_core::i18n::LANGUAGE) data-autosubmit {
                @for l in Lang::ALL {
                    option value=(l.tag()) lang=(l.tag()) selected[l == current] { (l.name()) }
                }
            }
            button.link type="submit" { (current.labels().language) }
        }
    }
}

/// The hidden field every form of a session carries.
pub fn csrf(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(super::masked_token(&s.csrf)); }
}

/// An error page: the message, and under it the server's English detail when the page is in
/// another language.
pub fn message_page(title: &str, message: &str, detail: Option<&str>) -> Html<String> {
    page(
        Frame { title, trail: vec![], session: None },
        html! {
            p.error role="alert" { (message) }
            @if let Some(d) = detail { p.muted lang="en" dir="ltr" { (d) } }
            p { a href="/console" { (t().back_to_console) } }
        },
    )
}

/// Said on every page that would issue, on a server started without the issuing key.
pub fn cannot_issue() -> Markup {
    html! {
        p.notice role="status" { (t().cannot_issue) }
    }
}

/// An error above a form that kept what was typed. The server's sentence is English: another
/// language says "check what you entered" in its words, the exact sentence under it.
pub fn problem(message: Option<&str>) -> Markup {
    let english = lang() == Lang::En;
    html! {
        @if let Some(m) = message {
            @if english { p.error role="alert" { (m) } }
            @else {
                div.error role="alert" { p { (t().err_bad_input) } p.muted lang="en" dir="ltr" { (m) } }
            }
        }
    }
}

/// An event's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Live,
    Attendees,
    Devices,
    Report,
    Audit,
}

/// The tabs of an event's pages, only those the member's role opens (the server refuses the
/// others anyway).
pub fn event_tabs(event: EventId, m: &Membership, current: Tab) -> Markup {
    let t = t();
    let tabs = [
        (Tab::Overview, t.tab_overview, format!("/console/events/{}", event.0), Need::View),
        (Tab::Live, t.tab_live, format!("/console/events/{}/live", event.0), Need::View),
        (Tab::Attendees, t.tab_attendees, format!("/console/events/{}/attendees", event.0), Need::Manage),
        (Tab::Devices, t.tab_devices, format!("/console/events/{}/devices", event.0), Need::Operate),
        (Tab::Report, t.tab_report, format!("/console/events/{}/report", event.0), Need::View),
        (Tab::Audit, t.tab_audit, format!("/console/orgs/{}/audit?event={}", m.org, event.0), Need::Manage),
    ];
    html! {
        nav.tabs aria-label=(t.event) {
            @for (tab, name, href, need) in &tabs {
                @if m.role.can(*need) {
                    a href=(href) aria-current=[(*tab == current).then_some("page")] { (name) }
                }
            }
        }
    }
}

pub fn role_label(role: OrgRole) -> &'static str {
    let t = t();
    match role {
        OrgRole::Owner => t.role_owner,
        OrgRole::Manager => t.role_manager,
        OrgRole::Supervisor => t.role_supervisor,
        OrgRole::Viewer => t.role_viewer,
    }
}
