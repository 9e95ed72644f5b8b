//! Time and chance in the browser: the device clock, its time zone for `ingia_core::words`,
//! timers (`gloo-timers`, on the global scope, so they run in the engine worker too) and random
//! bytes from the browser's CSPRNG (`getrandom`, which fails loudly where `crypto` is missing
//! rather than handing out zeros).

use ingia_core::words::Clock;
use ingia_core::UnixMillis;

pub use gloo_timers::callback::Timeout;
pub use gloo_timers::future::sleep;

/// The device clock (Unix ms).
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Minutes east of UTC on this device at `at` (daylight saving included).
fn utc_offset_min(at: UnixMillis) -> i32 {
    -(js_sys::Date::new(&(at.0 as f64).into()).get_timezone_offset() as i32)
}

/// The device's wall clock, for the sentences that show a time.
pub fn local() -> Clock<'static> {
    Clock(&utc_offset_min)
}

/// `N` random bytes from `crypto.getRandomValues`.
pub fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out)?;
    Ok(out)
}
