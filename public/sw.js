// Ingia service worker: keeps the pages this browser uses (the scanner at /, the wallet at
// /wallet, the kiosk at /kiosk: each its own html, wasm and js) under a cache named after the
// build, so they open (and the scanner scans) with no network after one online visit. A gate
// phone keeps only the scanner and its two workers, an attendee's phone only the wallet: each
// page asks for its own files when it opens ("ingia-keep" below).
// A new deployment is taken over cleanly: a new build is a new sw.js (its version and the file
// list of each page are stamped in by scripts/sw_version.py), which caches again, whole, every
// page the old build had kept, then activates, deletes the old caches and takes over the pages.
// API calls are never cached: the app itself decides offline from IndexedDB, and queued
// check-ins are pushed by the gate engine worker (on a timer, and at once when the page hears
// `online` or the Background Sync wake-up below).
const VERSION = '__BUILD_VERSION__';
const PAGES = '__BUILD_PAGES__';
const PREFIX = 'ingia-shell-';
const CACHE = PREFIX + VERSION;
// A cache entry saying "this browser keeps PAGE": MARK + PAGE.
const MARK = '/.ingia-kept';

// Everything or nothing: a half-cached page would break offline starts.
async function keep(cache, page) {
  await cache.addAll([page, ...PAGES[page]].map((f) => new Request(f, { cache: 'no-store' })));
  await cache.put(MARK + page, new Response(''));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    try {
      for (const page of Object.keys(PAGES)) {
        // Kept by the build this one replaces: a phone that scanned offline still does after an update.
        if (await caches.match(MARK + page)) await keep(cache, page);
      }
    } catch (e) {
      // The old build stays in charge (and keeps its cache); the browser tries this one again later.
      await caches.delete(CACHE);
      throw e;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// A page opened: keep its files (once per build).
self.addEventListener('message', (event) => {
  const page = event.data && event.data.type === 'ingia-keep' && event.data.page;
  if (!Object.hasOwn(PAGES, page)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    if (!(await cache.match(MARK + page))) await keep(cache, page);
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // The network first so a new deployment shows; offline, the kept page for this path (any
    // other path, like /pair, is the scanner), else whichever page this browser keeps.
    event.respondWith((async () => {
      try {
        return await fetch(request);
      } catch {
        const page = Object.hasOwn(PAGES, url.pathname) ? url.pathname : '/';
        for (const p of [page, ...Object.keys(PAGES)]) {
          const hit = await caches.match(p, { cacheName: CACHE });
          if (hit) return hit;
        }
        return Response.error();
      }
    })());
    return;
  }
  // The pages' files: from this build's cache, else the network.
  event.respondWith((async () => (await caches.match(request, { cacheName: CACHE })) || fetch(request))());
});

// Chrome's Background Sync: when connectivity returns, wake an open scanner page so it pushes
// its queued check-ins (the queue and the sync logic live in the page's IndexedDB and wasm).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'ingia-checkins') return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: 'window' });
    for (const page of pages) page.postMessage({ type: 'ingia-sync' });
  })());
});
