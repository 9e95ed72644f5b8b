//! The fuzz harness on thousands of random and mutated inputs, in the ordinary test run.

use ingia_core::fuzzing::exercise_parsers;
use ingia_core::rotating::current_code;
use ingia_core::sample::{sample_event, SAMPLE_DOORS};
use ingia_core::UnixMillis;

#[path = "../examples/support/rng.rs"]
mod rng;
use rng::Rng;

#[test]
fn random_bytes_never_panic_or_admit() {
    let mut rng = Rng(0x5EED);
    for _ in 0..4_000 {
        let len = (rng.next() % 200) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise_parsers(&data);
    }
}

#[test]
fn mutated_real_tokens_and_manifests_never_panic() {
    let ev = sample_event(2, 20);
    let now = UnixMillis::from_secs(SAMPLE_DOORS as u64 + 60);
    let mut seeds: Vec<Vec<u8>> = ev
        .issued
        .iter()
        .flat_map(|i| {
            let code = current_code(&i.entry.code_secret, now, 30);
            [
                i.credential.with_code(code).to_bytes(),
                i.credential.static_token().to_bytes(),
                i.credential.with_code(code).to_text().into_bytes(),
            ]
        })
        .collect();
    seeds.push(ev.manifest.encode());
    let mut rng = Rng(0xC0FFEE);
    for i in 0..6_000 {
        let mut data = seeds[i % seeds.len()].clone();
        for _ in 0..1 + rng.next() % 4 {
            let pos = (rng.next() as usize) % data.len().max(1);
            match rng.next() % 4 {
                0 if !data.is_empty() => data[pos] ^= 1 << (rng.next() % 8),
                1 if !data.is_empty() => data.truncate(pos),
                2 => data.insert(pos.min(data.len()), rng.next() as u8),
                _ if !data.is_empty() => data[pos] = rng.next() as u8,
                _ => {}
            }
        }
        ingia_core::fuzzing::exercise_parsers(&data);
    }
}
