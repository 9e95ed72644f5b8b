// A festival's 100,000 tickets on one phone (issue 19): pairing downloads the event through a
// paced network that dies at about half; the phone keeps what came, says it is waiting, and
// goes on from there when the network is back, not from zero: the bytes it fetched in all stay
// under 1.2 times one whole download. Then the gate holds all 100,000 and admits the last ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDemo, startProxy, launchChromium, openSheet, typePin } from './server.mjs';

const TICKETS = 100_000;
let demo;
let proxy;

before(async () => {
  demo = await startDemo(TICKETS);
  proxy = await startProxy(demo.base, { bytesPerSec: 1_500_000 });
});
after(() => { proxy?.close(); demo?.stop(); });

/** One whole manifest download as a steward's phone gets it (same role, same encodings
 * accepted as Chromium's): its bytes on the wire and its uncompressed length. */
async function wholeDownload() {
  const code = demo.newPairing().split('#')[1];
  const paired = await fetch(demo.base + '/api/pair', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, name: 'reference' }) });
  assert.equal(paired.status, 200);
  const { device_token: token } = await paired.json();
  return new Promise((resolve, reject) => {
    const req = http.get(demo.base + '/api/manifest?since=0', { headers: { authorization: `Bearer ${token}`,
      accept: 'application/octet-stream', 'accept-encoding': 'gzip, deflate, br, zstd' } }, (res) => {
      let wire = 0;
      res.on('data', (d) => { wire += d.length; });
      res.on('end', () => resolve({ wire, length: Number(res.headers['x-ingia-length']),
        encoding: res.headers['content-encoding'] }));
    });
    req.on('error', reject);
  });
}

test('a 100,000-ticket pairing cut at half resumes where it stopped', { timeout: 600_000 }, async () => {
  const whole = await wholeDownload();
  assert.ok(whole.length > 3_000_000, `a 100,000-ticket manifest is megabytes (${whole.length})`);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The app's files first (the phone opened Ingia before): what follows is the pairing.
    await page.goto(proxy.base + '/');
    await page.getByText('This device is not paired').waitFor({ timeout: 30_000 });
    const link = demo.newPairing().replace(demo.base, proxy.base);
    const start = proxy.bytes();
    proxy.dropAfter(Math.round(whole.wire / 2), 3_000);
    await page.goto(link);
    // The network is down: the phone says so and keeps its progress.
    await page.getByText('The connection dropped').waitFor({ timeout: 120_000 });
    const kept = Number(await page.locator('progress').getAttribute('value')) / 1000;
    assert.ok(kept > 0.3 && kept < 0.8, `about half was kept when the network died (${kept})`);
    // Back: it goes on and opens the gate.
    await page.getByTestId('pin').waitFor({ timeout: 300_000 });
    const fetched = proxy.bytes() - start;
    console.log(`# manifest ${whole.length} bytes, ${whole.wire} on the wire (${whole.encoding}); ` +
      `the interrupted pairing fetched ${fetched} (${(fetched / whole.wire).toFixed(2)}x), kept ${kept} at the cut`);
    assert.ok(fetched < 1.2 * whole.wire, `fetched ${fetched} bytes for a ${whole.wire}-byte download`);
    await openSheet(page, 'gate');
    assert.equal(await page.getByTestId('tickets').textContent(), '100000 tickets on this device');
    // What was kept part by part is now one manifest, and the parts are gone.
    const stored = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('ingia');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const kv = open.result.transaction('kv').objectStore('kv');
        const keys = kv.getAllKeys();
        const manifest = kv.get('manifest');
        kv.transaction.oncomplete = () => resolve({ keys: keys.result, manifest: manifest.result.length });
      };
    }));
    assert.equal(stored.manifest, whole.length);
    assert.deepEqual(stored.keys.filter((k) => k.startsWith('download')), []);
    // The last tickets came with the second half: a Printed one (every seventh) admits by PIN.
    const last = demo.tickets().filter((t) => t.ticket % 7 === 0).at(-1);
    assert.ok(last.ticket > TICKETS - 10);
    await page.getByTestId('sheet-close').click();
    const v = await typePin(page, last.pin);
    assert.equal(v.tone, 'green', JSON.stringify(v));
    assert.equal(v.holder, last.holder);
  } finally {
    await browser.close();
  }
});
