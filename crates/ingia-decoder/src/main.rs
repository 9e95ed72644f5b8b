//! The decoder worker (Trunk `data-type="worker"`): the page posts the scan box of a camera frame
//! as RGBA, this runs `ingia_decoder::FrameDecoder` on it (exactly the benchmark's pipeline)
//! and posts back the text, if any. Kept out of the page's module so the first load stays small
//! and a slow or trapping frame never freezes the interface; the page restarts a worker that
//! traps or stops answering.
//!
//! Protocol (structured clone; the pixel buffer is transferred to the worker, not copied):
//! - worker -> page, once: `{ ready: true }`
//! - page -> worker: `{ id, width, height, rgba: ArrayBuffer }`
//! - worker -> page: `{ id, text: string | null, pass: string | null, ms }`
//!
//! The frame is copied once, into this worker's memory (wasm cannot read a JS buffer in place),
//! into a buffer kept across frames: no allocation per frame. The page's next frame comes from a
//! new `getImageData`, so the buffer is not sent back.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;

    use ingia_decoder::{luma_from_rgba, FrameDecoder, Luma};
    use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    struct Decoder {
        frames: FrameDecoder,
        rgba: Vec<u8>,
        luma: Vec<u8>,
    }

    thread_local! {
        static DECODER: RefCell<Decoder> =
            RefCell::new(Decoder { frames: FrameDecoder::new(), rgba: Vec::new(), luma: Vec::new() });
    }

    fn set(obj: &Object, key: &str, value: &JsValue) {
        let _ = Reflect::set(obj, &JsValue::from_str(key), value);
    }

    fn number(data: &JsValue, key: &str) -> f64 {
        Reflect::get(data, &JsValue::from_str(key)).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
    }

    fn on_message(scope: &DedicatedWorkerGlobalScope, ev: MessageEvent) {
        let data = ev.data();
        let Ok(buffer) = Reflect::get(&data, &JsValue::from_str("rgba")).and_then(|b| b.dyn_into::<ArrayBuffer>())
        else {
            return;
        };
        let (width, height) = (number(&data, "width") as usize, number(&data, "height") as usize);
        let clock = scope.performance();
        let started = clock.as_ref().map_or(0.0, |p| p.now());
        let found = DECODER.with(|d| {
            let d = &mut *d.borrow_mut();
            let view = Uint8Array::new(&buffer);
            d.rgba.resize(view.length() as usize, 0);
            view.copy_to(&mut d.rgba);
            if !luma_from_rgba(&d.rgba, width, height, &mut d.luma) {
                return None;
            }
            d.frames.decode(Luma { width, height, pixels: &d.luma })
        });
        let reply = Object::new();
        set(&reply, "id", &Reflect::get(&data, &JsValue::from_str("id")).unwrap_or(JsValue::NULL));
        set(&reply, "text", &found.as_ref().map_or(JsValue::NULL, |f| JsValue::from_str(&f.text)));
        set(&reply, "pass", &found.as_ref().map_or(JsValue::NULL, |f| JsValue::from_str(f.pass.name())));
        set(&reply, "ms", &JsValue::from_f64(clock.as_ref().map_or(0.0, |p| p.now()) - started));
        let _ = scope.post_message(&reply);
    }

    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let for_messages = scope.clone();
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev| on_message(&for_messages, ev));
        scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        // The worker lives as long as the page keeps it.
        handler.forget();
        let ready = Object::new();
        set(&ready, "ready", &JsValue::TRUE);
        let _ = scope.post_message(&ready);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

/// Natively there is nothing to run: the same pipeline is this crate's library, measured by
/// `cargo run --release -p ingia-core --example decode_bench -- DIR`.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ingia-decoder is the scanner's Web Worker; Trunk builds it for wasm32 (see index.html).");
    std::process::exit(2);
}
