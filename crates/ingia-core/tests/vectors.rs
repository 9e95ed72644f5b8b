//! The test vectors of docs/token-format.md, read from the document itself so the spec and the
//! code cannot drift apart; and the QR size the spec promises.

use std::collections::BTreeMap;

use ingia_core::rotating::{check_code, CodeCheck};
use ingia_core::*;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn vectors() -> Vec<BTreeMap<String, String>> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/token-format.md")).unwrap();
    let mut out = Vec::new();
    for block in doc.split("```text\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if !body.starts_with("vector:") {
            continue;
        }
        out.push(
            body.lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
        );
    }
    out
}

#[test]
fn document_vectors_match_the_code() {
    let vs = vectors();
    assert_eq!(vs.len(), 2, "docs/token-format.md should hold the printed and phone vectors");
    for v in vs {
        let name = &v["vector"];
        let seed: [u8; 32] = unhex(&v["signing_seed"]).try_into().unwrap();
        let key_id = KeyId(v["key_id"].parse().unwrap());
        let key = EventSigningKey::from_seed(key_id, seed);
        assert_eq!(key.public().to_bytes().to_vec(), unhex(&v["public_key"]), "{name}: public key");
        let credential = Credential {
            key_id,
            event: EventId(u64::from_str_radix(&v["event"], 16).unwrap()),
            ticket: TicketId(v["ticket"].parse().unwrap()),
            ticket_type: TicketTypeId(v["ticket_type"].parse().unwrap()),
            valid_from: v["valid_from"].parse().unwrap(),
            valid_until: v["valid_until"].parse().unwrap(),
            flags: PolicyFlags::from_bits(u8::from_str_radix(&v["flags"], 16).unwrap()).unwrap(),
        };
        let signed = credential.sign(&key);
        let token = if v["code"] == "-" {
            signed.static_token()
        } else {
            signed.with_code(RotatingCode { step: v["step"].parse().unwrap(), code: v["code"].parse().unwrap() })
        };
        assert_eq!(token.to_bytes(), unhex(&v["bytes"]), "{name}: bytes");
        assert_eq!(token.to_text(), v["text"], "{name}: text");
        let parsed = TicketToken::parse(&v["text"]).unwrap();
        assert!(parsed.signed.verify(&key.public()), "{name}: signature");
        if let Some(code) = parsed.rotating {
            let secret = CodeSecret(unhex(&v["code_secret"]).try_into().unwrap());
            let now = UnixMillis::from_secs(v["now"].parse().unwrap());
            assert_eq!(check_code(&secret, code, now, 30), CodeCheck::Fresh, "{name}: code");
        }
    }
}

#[test]
fn real_tokens_fit_qr_version_6_at_level_m() {
    for v in vectors() {
        let qr = qrcode::QrCode::with_error_correction_level(v["text"].as_bytes(), qrcode::EcLevel::M).unwrap();
        let qrcode::Version::Normal(version) = qr.version() else { panic!("micro QR") };
        assert!(version <= 6, "{} needs version {version}", v["vector"]);
        // Base45 keeps the whole text in QR alphanumeric mode.
        assert!(v["text"].bytes().all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)));
    }
}
