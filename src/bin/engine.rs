//! The gate engine worker (`ingia-engine`; Trunk `data-type="worker"` in index.html): pairing,
//! storage, offline decisions and sync for the scanner and kiosk pages (see `ingia::engine`).

#[cfg(target_arch = "wasm32")]
fn main() {
    ingia::engine::serve();
}

/// Natively there is nothing to run: the engine is a browser worker.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ingia-engine is the scanner's gate worker; Trunk builds it for wasm32 (see index.html).");
    std::process::exit(2);
}
