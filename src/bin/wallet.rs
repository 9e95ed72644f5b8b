//! The attendee's wallet page (`wallet.html`, at `/wallet`): only the tickets, none of the scanner.

fn main() {
    leptos::mount::mount_to_body(ingia::wallet_app);
}
