//! The steward's scanner page (`index.html`): pairing, the camera, verdicts, the outbox. The
//! wallet and the kiosk are their own modules (`src/bin/`), so none of them loads the others.

fn main() {
    leptos::mount::mount_to_body(ingia::scanner_app);
}
