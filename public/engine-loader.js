// The gate engine worker's entry (src/page/link.js starts it): loads the wasm-bindgen glue and the
// engine's module. A module that cannot download (the network dropped on a first visit) is
// reported to the page instead of leaving it waiting; the engine then says `ready` itself.
importScripts('/ingia-engine.js');
// The module's exports stay reachable in this worker only (diagnostics: its memory's size).
wasm_bindgen('/ingia-engine_bg.wasm').then((exports) => { self.ingiaEngine = exports; },
  (e) => postMessage({ failed: String(e) }));
