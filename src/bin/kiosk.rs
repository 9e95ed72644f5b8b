//! The self check-in kiosk page (`kiosk.html`, at `/kiosk`) for a kiosk-paired tablet.

fn main() {
    leptos::mount::mount_to_body(ingia::kiosk_app);
}
