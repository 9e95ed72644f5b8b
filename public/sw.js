// Ingia service worker: keeps the app shell (index.html and the hashed files it names) so the
// scanner opens and scans with no network after one online visit. API calls are never cached:
// the app itself decides offline from IndexedDB.
const PREFIX = 'ingia-shell-';
const ASSET = /["'](\/[\w.\-\/]+\.(?:js|wasm|css|png|svg|webmanifest))["']/g;

async function shellCacheName() {
  const names = (await caches.keys()).filter((n) => n.startsWith(PREFIX));
  return names.sort().at(-1) || PREFIX + 'empty';
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const index = await fetch('/', { cache: 'no-store' });
    if (!index.ok) throw new Error('cannot fetch the app shell');
    const html = await index.clone().text();
    const assets = [...new Set([...html.matchAll(ASSET)].map((m) => m[1]))];
    // The name follows the build: Trunk's file names carry content hashes.
    const cache = await caches.open(PREFIX + (assets.find((a) => a.endsWith('.wasm')) || 'shell'));
    await cache.put('/', index);
    await cache.addAll(assets);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = await shellCacheName();
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== keep) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // Network first, so a new deployment is picked up; the cached shell when offline.
    event.respondWith((async () => {
      try {
        const fresh = await fetch(request);
        if (fresh.ok && url.pathname === '/') (await caches.open(await shellCacheName())).put('/', fresh.clone());
        return fresh;
      } catch {
        return (await caches.match('/')) || Response.error();
      }
    })());
    return;
  }
  // Hashed files never change: the cache first, then the network (and keep what came).
  event.respondWith((async () => {
    const hit = await caches.match(request);
    if (hit) return hit;
    const fresh = await fetch(request);
    if (fresh.ok) (await caches.open(await shellCacheName())).put(request, fresh.clone());
    return fresh;
  })());
});
