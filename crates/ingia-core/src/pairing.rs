//! The pairing link's format, made by the server (`ingia-server device pair`, the demo) and
//! read by an unpaired scanner that scans it: `https://host/pair#CODE`. The code rides in the
//! fragment, which browsers never send to a server.

use alloc::format;
use alloc::string::String;

/// The link a phone opens (or scans) to pair with `code`.
pub fn link(base_url: &str, code: &str) -> String {
    format!("{}/pair#{code}", base_url.trim_end_matches('/'))
}

/// The code in a pairing link or pairing QR, if the text is one.
pub fn code_in(text: &str) -> Option<&str> {
    let code = text.trim().split_once("/pair#")?.1;
    let ok =
        (8..=100).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_and_other_codes_do_not() {
        let l = link("https://gate.example/", "ingp_AbC-123_xyz");
        assert_eq!(l, "https://gate.example/pair#ingp_AbC-123_xyz");
        assert_eq!(code_in(&l), Some("ingp_AbC-123_xyz"));
        assert_eq!(code_in(" http://127.0.0.1:8080/pair#abcdefgh \n"), Some("abcdefgh"));
        for bad in ["INGIA:ABC", "https://x/pair#short", "https://x/pair#bad code!", "https://x/wallet#ingw_abcdefgh"] {
            assert_eq!(code_in(bad), None, "{bad}");
        }
    }
}
