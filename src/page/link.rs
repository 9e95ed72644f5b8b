//! The page's link to the gate engine worker (`engine`, through `link.js`): typed requests
//! answered as futures, typed pushes heard by listeners, all in `ingia_core::protocol`'s encoding.
//! The page decides nothing: it shows what comes back.

use ingia_core::protocol::{self, Answer, Push, Request};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/page/link.js")]
extern "C" {
    #[wasm_bindgen(js_name = call)]
    fn call_js(message: &Uint8Array) -> js_sys::Promise;
    #[wasm_bindgen(js_name = listen)]
    fn listen_js(f: &Closure<dyn FnMut(Uint8Array)>) -> u32;
    #[wasm_bindgen(js_name = unlisten)]
    fn unlisten_js(id: u32);
}

/// Asks the engine; `Err` is a sentence to show.
pub async fn call(request: Request) -> Result<Answer, String> {
    let bytes = Uint8Array::from(&request.encode()[..]);
    let reply = JsFuture::from(call_js(&bytes)).await.map_err(|e| e.as_string().unwrap_or_default())?;
    protocol::decode_reply(&Uint8Array::new(&reply).to_vec())
        .map_err(|_| super::lang::w().unexpected_answer.to_string())?
}

/// Hears the engine's pushes until dropped.
pub struct Listener {
    id: u32,
    _f: Closure<dyn FnMut(Uint8Array)>,
}

pub fn listen(f: impl Fn(Push) + 'static) -> Listener {
    let f = Closure::<dyn FnMut(Uint8Array)>::new(move |bytes: Uint8Array| {
        if let Ok(p) = Push::decode(&bytes.to_vec()) {
            f(p)
        }
    });
    Listener { id: listen_js(&f), _f: f }
}

impl Drop for Listener {
    fn drop(&mut self) {
        unlisten_js(self.id);
    }
}
