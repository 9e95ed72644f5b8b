//! The reader's language on this device: the one chosen in the picker (kept in localStorage),
//! else the first of the browser's preferred languages Ingia speaks. The document's `lang` and
//! `dir` follow it (Arabic right to left: the styles use logical properties), the engine worker
//! writes its sentences in it (link.js sends it with every request), and changing it reloads
//! the page: everything the gate holds is in IndexedDB, so nothing is lost.

use std::cell::Cell;

use ingia_core::{Labels, Lang};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/page/pwa.js")]
extern "C" {
    #[wasm_bindgen(js_name = savedLanguage)]
    fn saved_language() -> String;
    #[wasm_bindgen(js_name = saveLanguage)]
    fn save_language(tag: &str);
    /// The browser's preferred languages, comma-separated.
    #[wasm_bindgen(js_name = browserLanguages)]
    fn browser_languages() -> String;
    #[wasm_bindgen(js_name = showLanguage)]
    fn show_language(tag: &str, rtl: bool);
}

#[wasm_bindgen(module = "/src/page/link.js")]
extern "C" {
    #[wasm_bindgen(js_name = language)]
    fn tell_link(tag: &str, stopped: &str, not_loaded: &str);
}

thread_local! {
    static CURRENT: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// This page's language (decided once per page load). Not inlined: the views call it at every
/// label, and one call is smaller than the lookup copied into each.
#[inline(never)]
pub fn lang() -> Lang {
    CURRENT.with(|c| {
        c.get().unwrap_or_else(|| {
            let l =
                Lang::from_tag(&saved_language()).unwrap_or_else(|| Lang::negotiate(browser_languages().split(',')));
            c.set(Some(l));
            l
        })
    })
}

/// This page's labels (the engine writes the sentences: `ingia_core::Words`).
#[inline(never)]
pub fn w() -> &'static Labels {
    lang().labels()
}

/// Sets the document's language and direction and tells the engine's link: first thing a page
/// does.
pub fn apply() {
    let l = lang();
    show_language(l.tag(), l.rtl());
    tell_link(l.tag(), l.labels().engine_stopped, l.labels().engine_not_loaded);
}

/// The document's language and direction only (a page without the engine: the wallet).
pub fn show() {
    show_language(lang().tag(), lang().rtl());
}

/// A reader the server knows (the wallet: the attendee's language, theirs else the event's):
/// taken unless this device chose a language itself.
pub fn prefer(l: Lang) {
    if Lang::from_tag(&saved_language()).is_none() && l != lang() {
        CURRENT.with(|c| c.set(Some(l)));
        show();
    }
}

/// A kiosk visitor's language for one visit: the page and the engine speak it, nothing is kept.
pub fn visit(l: Lang) {
    CURRENT.with(|c| c.set(Some(l)));
    apply();
}

/// The picker: every language named in itself; a choice is kept on this device and the page
/// reloads in it.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let current = lang();
    let change = move |ev: leptos::ev::Event| {
        if let Some(l) = Lang::from_tag(&event_target_value(&ev)).filter(|l| *l != current) {
            save_language(l.tag());
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
    };
    view! {
        <select class="shell__lang" data-testid="language" aria-label=ingia_core::i18n::LANGUAGE on:change=change>
            {Lang::ALL.map(|l| view! {
                <option value=l.tag() lang=l.tag() selected=l == current>{l.name()}</option>
            })}
        </select>
    }
}
