//! Time and chance in the browser: the device clock, times of day for `ingia_core::words`
//! (`Intl`, in the reader's language and the event's zone),
//! timers (`gloo-timers`, on the global scope, so they run in the engine worker too) and random
//! bytes from the browser's CSPRNG (`getrandom`, which fails loudly where `crypto` is missing
//! rather than handing out zeros).

use std::cell::RefCell;

use ingia_core::words::{hhmm_at_offset, plain_number, Clock};
use ingia_core::UnixMillis;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

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

thread_local! {
    /// The time-of-day format in use: (language tag, IANA zone, `Intl.DateTimeFormat#format`).
    static FORMAT: RefCell<Option<(String, String, Function)>> = const { RefCell::new(None) };
    /// The number format in use: (language tag, `Intl.NumberFormat#format`).
    static NUMBERS: RefCell<Option<(String, Function)>> = const { RefCell::new(None) };
}

/// Times from now on in the language `lang` (a BCP 47 tag) and the IANA `zone` (empty: the
/// device's), through the browser's `Intl` (no locale tables in the wasm). A zone the browser
/// does not know falls back to the device's.
pub fn set_format(lang: &str, zone: &str) {
    FORMAT.with(|f| {
        let mut f = f.borrow_mut();
        if f.as_ref().is_some_and(|(l, z, _)| l == lang && z == zone) {
            return;
        }
        *f = intl(lang, zone).or_else(|| intl(lang, "")).map(|format| (lang.into(), zone.into(), format));
    });
    NUMBERS.with(|n| {
        let mut n = n.borrow_mut();
        if n.as_ref().is_some_and(|(l, _)| l == lang) {
            return;
        }
        *n = formatter("NumberFormat", lang, &js_sys::Object::new()).map(|format| (lang.into(), format));
    });
}

/// `new Intl.<kind>(lang, options).format`, or `None` where the browser refuses.
fn formatter(kind: &str, lang: &str, options: &js_sys::Object) -> Option<Function> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &kind.into()).ok()?.dyn_into().ok()?;
    // A zone or language the browser does not know throws a RangeError: caught here, not a trap.
    let format = Reflect::construct(&ctor, &js_sys::Array::of2(&lang.into(), options)).ok()?;
    Reflect::get(&format, &"format".into()).ok()?.dyn_into().ok()
}

fn intl(lang: &str, zone: &str) -> Option<Function> {
    let options = js_sys::Object::new();
    for (k, v) in [("hour", "2-digit"), ("minute", "2-digit"), ("hourCycle", "h23")] {
        Reflect::set(&options, &k.into(), &v.into()).ok()?;
    }
    if !zone.is_empty() {
        Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
    }
    formatter("DateTimeFormat", lang, &options)
}

fn number(n: u64) -> String {
    NUMBERS
        .with(|f| f.borrow().as_ref().and_then(|(_, format)| format.call1(&JsValue::NULL, &(n as f64).into()).ok()))
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| plain_number(n))
}

fn time_of_day(at: UnixMillis) -> String {
    let date = js_sys::Date::new(&(at.0 as f64).into());
    FORMAT
        .with(|f| f.borrow().as_ref().and_then(|(_, _, format)| format.call1(&JsValue::NULL, &date).ok()))
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| hhmm_at_offset(at, utc_offset_min(at)))
}

/// Times and numbers for the sentences: the formats [`set_format`] chose, else `HH:MM` in the
/// device's zone and plain digits.
pub fn local() -> Clock<'static> {
    Clock(&time_of_day, &number)
}

/// `N` random bytes from `crypto.getRandomValues`.
pub fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out)?;
    Ok(out)
}
