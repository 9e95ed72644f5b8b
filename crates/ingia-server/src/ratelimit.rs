//! Token-bucket rate limits, in memory, per key ("ip:1.2.3.4:pair", "device:7:sync").
//! Each server instance limits on its own; behind several instances the effective limit is the
//! sum, which still stops brute force (pairing codes and wallet tokens have 256 random bits).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub per_minute: u32,
    pub burst: u32,
}

pub const PAIR_PER_IP: Limit = Limit { per_minute: 10, burst: 5 };
pub const WALLET_PER_IP: Limit = Limit { per_minute: 30, burst: 10 };
pub const SYNC_PER_DEVICE: Limit = Limit { per_minute: 600, burst: 120 };
pub const SYNC_PER_IP: Limit = Limit { per_minute: 3_000, burst: 600 };
/// Failed console sign-ins and invite redemptions per address (each account also locks itself
/// after five wrong passwords); an address out of tokens is not heard until they refill.
pub const SIGNIN_PER_IP: Limit = Limit { per_minute: 20, burst: 10 };
/// A ticket shop's calls per API key.
pub const SHOP_PER_KEY: Limit = Limit { per_minute: 600, burst: 120 };
pub const READ_PER_DEVICE: Limit = Limit { per_minute: 120, burst: 30 };

struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token; `Err(seconds)` says when to retry.
    pub fn check(&self, key: &str, limit: Limit) -> Result<(), u64> {
        self.check_at(key, limit, Instant::now())
    }

    /// Whether a token is there, without taking it (limits that count only failures look first,
    /// then [`check`](Self::check) on a failure).
    pub fn waiting(&self, key: &str, limit: Limit) -> Result<(), u64> {
        let map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(b) = map.get(key) else { return Ok(()) };
        let rate = f64::from(limit.per_minute) / 60.0;
        let tokens = (b.tokens + Instant::now().saturating_duration_since(b.at).as_secs_f64() * rate)
            .min(f64::from(limit.burst));
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(((1.0 - tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    pub fn check_at(&self, key: &str, limit: Limit, now: Instant) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 50_000 {
            map.retain(|_, b| now.duration_since(b.at).as_secs() < 600);
        }
        let rate = f64::from(limit.per_minute) / 60.0;
        let b = map.entry(key.to_string()).or_insert(Bucket { tokens: f64::from(limit.burst), at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(f64::from(limit.burst));
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills() {
        let l = RateLimiter::default();
        let t = Instant::now();
        let limit = Limit { per_minute: 60, burst: 3 };
        for _ in 0..3 {
            assert!(l.check_at("k", limit, t).is_ok());
        }
        assert_eq!(l.check_at("k", limit, t), Err(1));
        assert!(l.check_at("other", limit, t).is_ok());
        assert!(l.check_at("k", limit, t + Duration::from_millis(1_001)).is_ok());
    }
}
