//! The page's link to the gate engine worker (`engine`, through `link.js`): requests answered
//! as futures, pushes heard by listeners, and the few readers the page needs to take the
//! engine's plain objects apart. The page decides nothing: it shows what comes back.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub use crate::net::field_str as maybe_text;
use crate::net::{field_str, object};

#[wasm_bindgen(module = "/src/link.js")]
extern "C" {
    #[wasm_bindgen(js_name = call)]
    fn call_js(message: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = listen)]
    fn listen_js(f: &Closure<dyn FnMut(JsValue)>) -> u32;
    #[wasm_bindgen(js_name = unlisten)]
    fn unlisten_js(id: u32);
}

/// Asks the engine; `Err` is a sentence to show.
pub async fn call(op: &str, args: &[(&str, JsValue)]) -> Result<JsValue, String> {
    let message = object(args);
    let _ = Reflect::set(&message, &"op".into(), &op.into());
    JsFuture::from(call_js(&message)).await.map_err(|e| e.as_string().unwrap_or_default())
}

/// Hears the engine's pushes of one kind (`"screen"`, `"status"`) until dropped.
pub struct Listener {
    id: u32,
    _f: Closure<dyn FnMut(JsValue)>,
}

pub fn listen(kind: &'static str, f: impl Fn(&JsValue) + 'static) -> Listener {
    let f = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if text(&message, "push") == kind {
            f(&message)
        }
    });
    Listener { id: listen_js(&f), _f: f }
}

impl Drop for Listener {
    fn drop(&mut self) {
        unlisten_js(self.id);
    }
}

/// A field (`undefined` when absent).
pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A text field ("" when absent).
pub fn text(v: &JsValue, key: &str) -> String {
    field_str(v, key).unwrap_or_default()
}

/// An optional whole number.
pub fn number(v: &JsValue, key: &str) -> Option<u32> {
    get(v, key).as_f64().map(|n| n as u32)
}

pub fn flag(v: &JsValue, key: &str) -> bool {
    get(v, key).is_truthy()
}

/// The items of a list field.
pub fn list(v: &JsValue, key: &str) -> Vec<JsValue> {
    items(&get(v, key))
}

/// The items of a list.
pub fn items(v: &JsValue) -> Vec<JsValue> {
    Array::from(v).iter().collect()
}
