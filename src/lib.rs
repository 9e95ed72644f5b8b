//! Ingia's PWA (Leptos, client-side rendered), laid out by where the code runs:
//! - `page`: the main thread of the three pages (scanner, kiosk, wallet), each its own wasm
//!   module (`src/main.rs`, `src/bin/`): screens, the camera, and `page::link`, the page's end
//!   of the gate engine;
//! - `engine`: the gate engine, a dedicated worker (`src/bin/engine.rs`): pairing, the event in
//!   IndexedDB, offline decisions, the sync driver;
//! - `io`: the browser I/O both use (IndexedDB, fetch, clock, timers, randomness).
//!
//! Rule: the page never imports `engine` and the engine never imports `page`; they meet only in
//! `ingia_core::protocol` (typed requests, answers and pushes, one binary encoding), and every
//! sentence either shows comes from `ingia_core::words`. `scripts/check_layout.sh` enforces it.

pub mod engine;
pub mod io;
pub mod page;

pub use page::{kiosk_app, scanner_app, wallet_app};
