// Ingia service worker: keeps the app shell (index.html, the hashed files, the decoder worker)
// under a cache named after the build, so the scanner opens and scans with no network after one
// online visit, and a new deployment is taken over cleanly: a new build is a new sw.js (its
// version and file list are stamped in by scripts/sw_version.py at build time), which caches the
// new shell whole, then activates, deletes the old caches and takes over the open pages.
// API calls are never cached: the app itself decides offline from IndexedDB, and queued
// check-ins are pushed by the page (on `online`, on a timer, and on Background Sync below).
const VERSION = '__BUILD_VERSION__';
const FILES = '__BUILD_FILES__';
const PREFIX = 'ingia-shell-';
const CACHE = PREFIX + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Everything or nothing: a half-cached shell would break offline starts.
    await cache.addAll(FILES.map((f) => new Request(f, { cache: 'no-store' })));
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

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // Every page of the app (/, /pair, /wallet/...) is the same shell: the network first so a
    // new deployment shows, the cached shell when offline.
    event.respondWith((async () => {
      try {
        return await fetch(request);
      } catch {
        return (await caches.match('/', { cacheName: CACHE })) || Response.error();
      }
    })());
    return;
  }
  // The shell's files: from this build's cache, else the network.
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
