//! The console's sentences, one file per language (`ConsoleLabels`; the server draws them).

pub mod am;
pub mod ar;
pub mod en;
pub mod fr;
pub mod pt;
pub mod sw;
