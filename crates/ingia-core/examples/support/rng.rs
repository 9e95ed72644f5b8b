//! A small seeded xorshift generator for the generated test and benchmark inputs (frames, fuzz
//! images, mutated tokens): the same seed gives the same inputs on every machine. Included with
//! `#[path]` by the tests and examples that use it (each uses a part of it).
#![allow(dead_code)]

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Roughly normal noise (sum of four uniforms), standard deviation about `sigma`.
    pub fn noise(&mut self, sigma: f32) -> f32 {
        let s: f32 = (0..4).map(|_| (self.next() % 1000) as f32 / 1000.0 - 0.5).sum();
        s * sigma * 1.73
    }
}
