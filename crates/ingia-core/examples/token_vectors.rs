//! Prints the test-vector blocks of docs/token-format.md (the vectors test checks them).
//! `cargo run -p ingia-core --example token_vectors`

use ingia_core::rotating::{code_for, step_at};
use ingia_core::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let secret: [u8; 16] = core::array::from_fn(|i| 0xa0 + i as u8);
    let key = EventSigningKey::from_seed(KeyId(1), seed);
    let cases = [("printed", 0x02u8, None), ("phone", 0x01u8, Some(1_798_750_000u64))];
    for (name, flags, now) in cases {
        let credential = Credential {
            key_id: KeyId(1),
            event: EventId(0x0123_4567_89ab_cdef),
            ticket: TicketId(42),
            ticket_type: TicketTypeId(2),
            valid_from: 1_798_740_000,
            valid_until: 1_798_783_200,
            flags: PolicyFlags::from_bits(flags).unwrap(),
        };
        let signed = credential.sign(&key);
        let token = match now {
            Some(secs) => {
                let step = step_at(UnixMillis::from_secs(secs), 30);
                signed.with_code(RotatingCode { step, code: code_for(&CodeSecret(secret), step) })
            }
            None => signed.static_token(),
        };
        println!("```text");
        println!("vector: {name}");
        println!("signing_seed: {}", hex(&seed));
        println!("public_key: {}", hex(&key.public().to_bytes()));
        println!("key_id: 1\nevent: 0123456789abcdef\nticket: 42\nticket_type: 2");
        println!("valid_from: 1798740000\nvalid_until: 1798783200\nflags: {flags:02x}");
        match (now, token.rotating) {
            (Some(secs), Some(code)) => {
                println!("code_secret: {}", hex(&secret));
                println!("now: {secs}\nstep: {}\ncode: {:08}", code.step, code.code);
            }
            _ => println!("code_secret: -\nnow: -\nstep: -\ncode: -"),
        }
        println!("bytes: {}", hex(&token.to_bytes()));
        println!("text: {}", token.to_text());
        println!("```\n");
    }
}
