// Background Sync glue (public/sw.js): ask Chrome to wake the scanner when connectivity returns,
// and hear the service worker's wake-up call. The check-ins themselves are pushed by the app.
export function requestBackgroundSync() {
  navigator.serviceWorker?.ready
    .then((reg) => reg.sync?.register('ingia-checkins'))
    .catch(() => {}); // not offered (or not allowed): the timer and `online` still push
}

// One listener; the wake-up goes to the newest open gate screen (a kiosk's staff desk over the
// kiosk: the desk, then the kiosk again once the desk closes). Returns an id to unregister with.
const wakers = new Map();
let nextWaker = 1;
export function onBackgroundSync(callback) {
  if (nextWaker === 1) {
    navigator.serviceWorker?.addEventListener('message', (ev) => {
      if (ev.data && ev.data.type === 'ingia-sync') [...wakers.values()].at(-1)?.();
    });
  }
  wakers.set(nextWaker, callback);
  return nextWaker++;
}
export function clearBackgroundSync(id) {
  wakers.delete(id);
}

// The steward's camera choice survives reloads (a gate working from PINs stays on PINs).
const CAMERA_KEY = 'ingia.camera';
export function cameraWanted() {
  try {
    return localStorage.getItem(CAMERA_KEY) !== 'off';
  } catch {
    return true;
  }
}
export function setCameraWanted(on) {
  try {
    localStorage.setItem(CAMERA_KEY, on ? 'on' : 'off');
  } catch {}
}

// Kiosk: keep the screen on (Screen Wake Lock, asked again whenever the page comes back) and
// go full screen on the first touch.
let wakeLock = null;
async function lockScreen() {
  try {
    if (!document.hidden && navigator.wakeLock) wakeLock = await navigator.wakeLock.request('screen');
  } catch {
    wakeLock = null; // refused (battery saver): the kiosk still works
  }
}
export function keepAwake(on) {
  if (on) {
    lockScreen();
    document.addEventListener('visibilitychange', lockScreen);
  } else {
    document.removeEventListener('visibilitychange', lockScreen);
    wakeLock?.release().catch(() => {});
    wakeLock = null;
  }
}
export function enterFullscreen() {
  if (!document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
}
export function printPage() {
  window.print();
}

// Ask the browser not to evict this origin's storage under pressure (the outbox lives there).
// Chrome grants it to installed and engaged apps; without it the data still persists normally.
export function persistStorage() {
  navigator.storage?.persist?.().catch(() => {});
}

// The reader's language (src/page/lang.rs): the one chosen on this device, else the browser's.
const LANG_KEY = 'ingia.lang';
export function savedLanguage() {
  try {
    return localStorage.getItem(LANG_KEY) || '';
  } catch {
    return '';
  }
}
export function saveLanguage(tag) {
  try {
    localStorage.setItem(LANG_KEY, tag);
  } catch {}
}
export function browserLanguages() {
  return (navigator.languages?.length ? navigator.languages : [navigator.language || '']).join(',');
}
export function showLanguage(tag, rtl) {
  document.documentElement.lang = tag;
  document.documentElement.dir = rtl ? 'rtl' : 'ltr';
}
