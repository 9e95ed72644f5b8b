//! Browser I/O that the page and the engine worker both use: IndexedDB (`store`), fetch
//! (`net`), and the clock, timers and randomness (`clock`). Every function here works in a page
//! and in a worker (globals only, never `window`).

pub mod clock;
pub mod net;
pub mod store;
