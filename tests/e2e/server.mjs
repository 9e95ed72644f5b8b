// Starts a real ingia-server demo (fresh SQLite, built PWA) on a free loopback port for the
// end-to-end tests, and a Chromium from Debian driven by playwright-core.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A demo server with `attendees` tickets; resolves with its base URL and the links it printed.
 * `tls: { cert, key, host }` serves HTTPS with that certificate, its links at https://host:port. */
export async function startDemo(attendees = 40, dist = process.env.INGIA_DIST, env = {}, { tls } = {}) {
  const bin = process.env.INGIA_SERVER_BIN;
  if (!bin || !dist) throw new Error('set INGIA_SERVER_BIN and INGIA_DIST (scripts/test.sh does)');
  const port = await freePort();
  const base = tls ? `https://${tls.host}:${port}` : `http://127.0.0.1:${port}`;
  const tlsArgs = tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key, '--public-url', base] : [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-e2e-'));
  const lines = [];
  // Starts the server (`demo` the first time, `serve` over the same data dir after a restart);
  // resolves once it listens.
  const start = (command) => {
    const child = spawn(bin, ['--data-dir', dataDir, ...command, '--listen', `127.0.0.1:${port}`, '--static-dir', dist,
      ...tlsArgs],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    const listening = new Promise((resolve, reject) => {
      let buf = '';
      // A festival-sized demo issues its tickets first (100,000: minutes in a debug build).
      const wait = 60_000 + attendees * 5;
      const timer = setTimeout(() => reject(new Error(`server did not start in ${wait / 1000} s`)), wait);
      child.stdout.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
          if (lines.at(-1).startsWith('listening on')) { clearTimeout(timer); resolve(); }
        }
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    return { child, listening };
  };
  let server = start(['demo', '--attendees', String(attendees)]);
  await server.listening;
  const link = (re) => lines.map((l) => l.match(re)).find(Boolean)?.[1];
  let lastDevice = null;
  return {
    base,
    port,
    dataDir,
    pairSteward: link(/steward scanner at Main gate: (\S+)/),
    pairVipSteward: link(/steward scanner at VIP gate: (\S+)/),
    organizerToken: link(/dashboard: \S+#(\S+)/),
    /** The demo organization's one-time owner link into the console. */
    consoleOwner: link(/console \(owner link, one use\): (\S+)/),
    supervisor: link(/supervisor scanner at Main gate: (\S+)/),
    kiosk: link(/kiosk scanner at Main gate: (\S+)/),
    /** A new one-time pairing link, made with the organizer's CLI while the server runs. */
    newPairing: (gate = 'Main gate', role = 'steward') => {
      const event = link(/event (\d+) with/);
      const out = execFileSync(bin, ['--data-dir', dataDir, 'device', 'pair', event, '--gate', gate, '--role', role,
        '--base-url', base], { encoding: 'utf8' });
      lastDevice = out.match(/^device (\d+)/m)[1];
      return out.match(/pairing link[^:]*: (\S+)/)[1];
    },
    /** The demo's SMS check-in, from the `curl` line it prints: who, from which number, to which
     * shortcode, with which PIN, and the inbound callback's address (its secret in the path). */
    smsCheckIn: (() => {
      const m = lines.map((l) => l.match(/check in by SMS as (.+?) \(.*-d from=(\S+) -d to=(\S+) .*'text=CHECKIN (\d+)' (\S+)$/)).find(Boolean);
      return m && { holder: m[1], from: decodeURIComponent(m[2]), to: m[3], pin: m[4], url: m[5] };
    })(),
    /** The first line the server printed (its console SMS driver's texts among them) that
     * matches `re`, within `timeout` ms: the match. */
    printed: async (re, timeout = 10_000) => {
      const until = Date.now() + timeout;
      for (;;) {
        const m = lines.map((l) => l.match(re)).find(Boolean);
        if (m) return m;
        if (Date.now() > until) throw new Error(`the server printed no line matching ${re}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** The number of the device `newPairing` made last. */
    lastDeviceId: () => lastDevice,
    eventId: () => link(/event (\d+) with/),
    /** The organizer's export of every scan attempt (CLI `export --scans`), as CSV text. */
    exportScans: () => execFileSync(bin, ['--data-dir', dataDir, 'export', '--scans', link(/event (\d+) with/)],
      { encoding: 'utf8' }),
    /** Issued tickets from the delivery list: { ticket, holder, pin, wallet }. */
    tickets: () => {
      const dir = path.join(dataDir, 'tickets');
      const file = fs.readdirSync(dir).find((f) => f.startsWith('delivery-'));
      const rows = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n').slice(1);
      return rows.map((r) => {
        const [ticket, holder, , pin, wallet] = r.split(',');
        return { ticket: Number(ticket), holder, pin, wallet };
      });
    },
    /** Stops the server (SIGKILL: a crash, nothing flushed) and resolves when it is gone. */
    kill: () => new Promise((resolve) => { server.child.once('exit', resolve); server.child.kill('SIGKILL'); }),
    /** The CLI's `backup FILE` (taken while the server runs). */
    backup: (file) => execFileSync(bin, ['--data-dir', dataDir, 'backup', file], { encoding: 'utf8' }),
    /** The CLI's `restore FILE` (the server stopped). */
    restore: (file) => execFileSync(bin, ['--data-dir', dataDir, 'restore', file], { encoding: 'utf8' }),
    /** Starts it again on the same port and data dir (`serve`). */
    restart: async () => { server = start(['serve']); await server.listening; },
    /** Attendance from the CLI export (the database's own answer): rows checked in. */
    checkedIn: () => execFileSync(bin, ['--data-dir', dataDir, 'export', link(/event (\d+) with/)], { encoding: 'utf8' })
      .trim().split('\n').slice(1).filter((r) => r.split(',')[4] !== '').length,
    stop: () => server.child.kill(),
  };
}

/** A TCP proxy on loopback in front of `base` (a stand-in for the venue's network): it counts
 * the bytes it carries to the browser, paces them at `bytesPerSec`, and can drop every
 * connection at a given count (the network dying mid-download), refusing new ones for `downMs`. */
export async function startProxy(base, { bytesPerSec = 1_000_000 } = {}) {
  const target = new URL(base);
  const sockets = new Set();
  const requests = [];
  let down = 0;
  let cutAt = Infinity;
  let downUntil = 0;
  let downMs = 0;
  const cut = () => {
    cutAt = Infinity;
    downUntil = Date.now() + downMs;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) { client.destroy(); return; }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client); sockets.add(upstream);
    // The request each answer's bytes belong to (one at a time per connection: HTTP/1.1).
    let current = null;
    client.on('data', (d) => {
      const line = d.subarray(0, 200).toString('latin1').match(/^(GET|POST|PUT|DELETE|HEAD) (\S+)/);
      if (line) { current = { request: `${line[1]} ${line[2]}`, bytes: 0 }; requests.push(current); }
      upstream.write(d);
    });
    // Paced: after each chunk, the upstream waits as long as the chunk takes at the rate.
    upstream.on('data', (d) => {
      down += d.length;
      if (current) current.bytes += d.length;
      client.write(d);
      upstream.pause();
      setTimeout(() => upstream.resume(), (d.length / bytesPerSec) * 1000);
      if (down >= cutAt) cut();
    });
    // The server closing its side (an idle keep-alive) lets what is still buffered for the
    // browser go first; the browser closing drops the server's side at once.
    upstream.on('close', () => { sockets.delete(upstream); client.end(); });
    client.on('close', () => { sockets.delete(client); upstream.destroy(); });
    for (const s of [client, upstream]) s.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    /** Bytes carried to the browser so far. */
    bytes: () => down,
    /** Every request carried, with the bytes of its answer: `{ request, bytes }`. */
    requests: () => requests,
    /** Drops every connection once `n` more bytes have gone to the browser; the network stays
     * down for `ms`. */
    dropAfter: (n, ms = 2_000) => { cutAt = down + n; downMs = ms; },
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

export function launchChromium(extraArgs = [], env = {}) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
    env: { ...process.env, ...env },
  });
}

/** A Chromium whose camera is the fake device playing `video` (a .y4m file, see video.mjs). */
export function launchWithCamera(video, env = {}) {
  return launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`], env);
}

/** Sets the wall clock of every page and worker of `context` `offsetMs` off (a phone whose
 * clock is wrong): `Date` is replaced before the page's scripts run and in each worker as it
 * starts, before the engine's first sync. Timers and the monotonic clock stay true. */
export async function skewClock(context, offsetMs) {
  const skew = (off) => {
    const Real = Date;
    class Skewed extends Real {
      constructor(...args) { if (args.length === 0) super(Real.now() + off); else super(...args); }
      static now() { return Real.now() + off; }
    }
    globalThis.Date = Skewed;
  };
  await context.addInitScript(skew, offsetMs);
  context.on('page', (page) => page.on('worker', (w) => w.evaluate(skew, offsetMs).catch(() => {})));
}

/** Every verdict the page shows, in order (a MutationObserver installed before the app loads). */
export async function recordVerdicts(context) {
  await context.addInitScript(() => {
    window.__verdicts = [];
    let last = null;
    new MutationObserver(() => {
      const v = document.querySelector('[data-testid=verdict]');
      // A new verdict may replace one still on screen: each carries its own number.
      if (!v || v.dataset.seq === last) return;
      last = v.dataset.seq;
      const text = (id) => v.querySelector(`[data-testid=${id}]`)?.textContent ?? '';
      window.__verdicts.push({ tone: v.dataset.tone, title: text('verdict-title'), holder: text('verdict-holder'),
        detail: text('verdict-detail') });
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-seq'] });
  });
}

/** Types a PIN at a gate; returns the verdict it shows (left on screen). */
export async function typePin(page, pin) {
  await page.getByTestId('pin').fill(pin);
  await page.getByTestId('pin').press('Enter');
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ timeout: 10_000 });
  return {
    tone: await verdict.getAttribute('data-tone'),
    title: await page.getByTestId('verdict-title').textContent(),
    holder: await page.getByTestId('verdict-holder').textContent(),
    detail: await page.getByTestId('verdict-detail').textContent(),
  };
}

/** Taps the verdict away, ready for the next attendee. */
export async function dismissVerdict(page) {
  const verdict = page.getByTestId('verdict');
  await verdict.click();
  await verdict.waitFor({ state: 'detached' });
}

/** Waits until the page has shown `n` verdicts; returns them all. */
export async function verdicts(page, n, timeout = 30_000) {
  try {
    await page.waitForFunction((k) => window.__verdicts.length >= k, n, { timeout });
  } catch (e) {
    const state = await page.evaluate(() => ({ verdicts: window.__verdicts, camera: globalThis.ingiaCamera?.stats }));
    throw new Error(`${e.message}\nwanted ${n} verdicts; the page saw ${JSON.stringify(state)}`);
  }
  return page.evaluate(() => window.__verdicts);
}

/** The organizer's live stats for the demo event. */
export async function stats(demo) {
  const r = await fetch(demo.base + '/api/stats', { headers: { Authorization: 'Bearer ' + demo.organizerToken } });
  if (r.status !== 200) throw new Error(`stats: HTTP ${r.status}`);
  return r.json();
}

/** Waits until the service worker controls the page and keeps its files (the page at `path`): offline starts work. */
export async function shellCached(page, path = '/') {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
  // The page asked the service worker to keep its files (public/sw.js): wait until all are in.
  const deadline = Date.now() + 30_000;
  while (!(await page.evaluate((key) => caches.match(key).then(Boolean), '/.ingia-kept' + path))) {
    if (Date.now() > deadline) throw new Error(`the service worker did not keep the page ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens the gate screen's sheet on a tab (`search`, `recent`, `conflicts`, `phone`, `gate`), as a steward taps it. */
export async function openSheet(page, tab, timeout = 15_000) {
  const button = page.getByTestId(`tab-${tab}`);
  await button.waitFor({ timeout });
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
  await page.getByTestId('sheet').waitFor();
}

/** Closes the sheet (back to the camera and the PIN). */
export async function closeSheet(page) {
  const sheet = page.getByTestId('sheet');
  if (await sheet.isVisible()) await page.getByTestId('sheet-close').click();
  await sheet.waitFor({ state: 'hidden' });
}
