//! Ingia's scanner PWA (Leptos, client-side rendered). This is the shell the scanner grows in:
//! the pairing, camera, verdict and outbox screens arrive with the scanner issue. Decisions are
//! never made here: they come from `ingia-core`.

pub mod store;

use leptos::prelude::*;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="shell">
            <header class="shell__bar">
                <h1 class="shell__title">"Ingia"</h1>
            </header>
            <section class="shell__body">
                <h2>"This device is not paired"</h2>
                <p>"Ask your gate supervisor for the pairing link or QR code of your event and gate."</p>
            </section>
        </main>
    }
}
