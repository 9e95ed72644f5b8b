//! Ingia's sync server and organizer CLI. `app(state)` is the whole HTTP surface (tests call it
//! without a socket); the CLI in main.rs calls the same functions the API does.
//! Rules (who wins a conflict, what a verdict is) live in `ingia-core`; this crate stores,
//! authorizes and serves.

pub mod api;
pub mod attendees;
pub mod audit;
pub mod backup;
pub mod checkins;
pub mod console;
pub mod dashboard;
pub mod db;
pub mod devices;
pub mod error;
pub mod events;
pub mod headers;
pub mod listen;
pub mod live;
pub mod loopback;
pub mod mail;
pub mod ops;
pub mod ratelimit;
pub mod secrets;
pub mod shop;
pub mod sms;
pub mod tickets;
pub mod util;

pub use api::{app, AppState};
pub use db::Db;
pub use error::{Error, Result};
