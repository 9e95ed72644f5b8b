//! The camera scanner's Rust side: binds `camera.js` (getUserMedia, the frame pump, the decoder
//! worker, sound and vibration) and turns what it decodes into scans, each code once
//! (`ingia_core::repeat::RepeatGuard`).

use std::cell::RefCell;
use std::rc::Rc;

use ingia_core::repeat::{RepeatGuard, REPEAT_WINDOW_MS};
use ingia_core::words::{self, CameraPrompt};
use ingia_core::UnixMillis;
use leptos::html::Video;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::page::lang::lang;

#[wasm_bindgen(module = "/src/page/camera.js")]
extern "C" {
    type Camera;
    #[wasm_bindgen(constructor)]
    fn new(
        video: &JsValue,
        facing: &str,
        on_code: &Closure<dyn FnMut(String)>,
        on_state: &Closure<dyn FnMut(String, bool, u32)>,
    ) -> Camera;
    #[wasm_bindgen(method)]
    fn start(this: &Camera) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn stop(this: &Camera);
    #[wasm_bindgen(method)]
    fn next(this: &Camera) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn torch(this: &Camera, on: bool) -> js_sys::Promise;

    #[wasm_bindgen(js_name = verdictShown)]
    pub fn verdict_shown();
    #[wasm_bindgen(js_name = unlockAudio)]
    pub fn unlock_audio();
    /// The verdict's sound and vibration, by tone (`green`, `amber`, `red`).
    pub fn feedback(tone: &str);
}

/// What the camera is doing, for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraState {
    Starting,
    Running {
        torch: bool,
        cameras: u32,
    },
    /// The page is hidden (or the steward paused): the camera is off.
    Paused,
    Stopped,
    Denied,
    Unavailable,
}

impl CameraState {
    fn from_js(state: &str, torch: bool, cameras: u32) -> Self {
        match state {
            "starting" => CameraState::Starting,
            "running" => CameraState::Running { torch, cameras },
            "paused" => CameraState::Paused,
            "stopped" => CameraState::Stopped,
            "denied" => CameraState::Denied,
            _ => CameraState::Unavailable,
        }
    }
}

/// What the steward is told the camera is doing.
pub fn prompt(state: CameraState) -> &'static str {
    words::camera(
        lang(),
        match state {
            CameraState::Starting => CameraPrompt::Starting,
            CameraState::Running { .. } => CameraPrompt::Running,
            CameraState::Paused | CameraState::Stopped => CameraPrompt::Off,
            CameraState::Denied => CameraPrompt::Denied,
            CameraState::Unavailable => CameraPrompt::Unavailable,
        },
    )
}

/// The camera's picture with the square to hold a code in (the scanner, the kiosk, pairing).
pub fn scan_view(video: NodeRef<Video>) -> impl IntoView {
    view! {
        <div class="scan">
            <video class="scan__video" node_ref=video data-testid="camera" muted=true playsinline=true></video>
            <div class="scan__box" data-testid="scan-box" aria-hidden="true"></div>
        </div>
    }
}

/// Which way the camera looks: the rear one at a gate, the front one on a kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facing {
    Rear,
    Front,
}

/// A running scanner. Dropping it stops the camera and the worker.
pub struct Scanner {
    camera: Camera,
    _on_code: Closure<dyn FnMut(String)>,
    _on_state: Closure<dyn FnMut(String, bool, u32)>,
}

impl Scanner {
    /// Opens the camera on `video`; `on_scan` gets each new code once, `on_state` the camera's state.
    pub fn start(
        video: &JsValue,
        facing: Facing,
        on_scan: impl Fn(String) + 'static,
        on_state: impl Fn(CameraState) + 'static,
    ) -> Scanner {
        let guard = Rc::new(RefCell::new(RepeatGuard::new(REPEAT_WINDOW_MS)));
        let on_code = Closure::<dyn FnMut(String)>::new(move |text: String| {
            let fresh = guard.borrow_mut().admit(&text, UnixMillis(js_sys::Date::now() as u64));
            if fresh {
                on_scan(text);
            }
        });
        let on_state = Closure::<dyn FnMut(String, bool, u32)>::new(move |s: String, torch, cameras| {
            on_state(CameraState::from_js(&s, torch, cameras))
        });
        let facing = match facing {
            Facing::Rear => "environment",
            Facing::Front => "user",
        };
        let camera = Camera::new(video, facing, &on_code, &on_state);
        let _ = camera.start();
        Scanner { camera, _on_code: on_code, _on_state: on_state }
    }

    pub fn switch_camera(&self) {
        let _ = self.camera.next();
    }

    pub fn torch(&self, on: bool) {
        let _ = self.camera.torch(on);
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.camera.stop();
    }
}

#[wasm_bindgen(module = "/src/page/pwa.js")]
extern "C" {
    /// Asks Chrome's Background Sync to wake the app when the network returns.
    #[wasm_bindgen(js_name = requestBackgroundSync)]
    pub fn request_background_sync();
    /// Calls back when the service worker relays a Background Sync wake-up.
    /// Returns the id `clear_background_sync` takes when the screen closes.
    #[wasm_bindgen(js_name = onBackgroundSync)]
    pub fn on_background_sync(callback: &Closure<dyn FnMut()>) -> u32;
    #[wasm_bindgen(js_name = clearBackgroundSync)]
    pub fn clear_background_sync(id: u32);
    /// Whether the steward left the camera on (kept across reloads).
    #[wasm_bindgen(js_name = cameraWanted)]
    pub fn camera_wanted() -> bool;
    #[wasm_bindgen(js_name = setCameraWanted)]
    pub fn set_camera_wanted(on: bool);
    /// Screen Wake Lock on or off (kiosk).
    #[wasm_bindgen(js_name = keepAwake)]
    pub fn keep_awake(on: bool);
    #[wasm_bindgen(js_name = enterFullscreen)]
    pub fn enter_fullscreen();
    /// The browser's print dialog (the kiosk's badge).
    #[wasm_bindgen(js_name = printPage)]
    pub fn print_page();
    /// Asks for persistent storage (the outbox must not be evicted).
    #[wasm_bindgen(js_name = persistStorage)]
    pub fn persist_storage();
}
