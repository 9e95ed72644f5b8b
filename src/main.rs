//! The scanner PWA's entry point: mount the app. Everything else lives in `lib.rs`, so browser
//! tests can mount pieces of it.

fn main() {
    leptos::mount::mount_to_body(ingia::App);
}
