// A new deployment: the service worker of the new build keeps again, whole, the pages the phone
// kept under the old one before it takes over, so a gate phone that updated while online still
// opens and scans with the network off; the old build's cache is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, shellCached } from './server.mjs';

/** Every cache of the page and the paths it holds. */
function cached(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
    }
    return out;
  });
}

test('a new deployment takes over and the scanner still opens and decides offline', async () => {
  // The server serves this copy of the build, so the test can deploy a new one into it.
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-dist-'));
  fs.cpSync(process.env.INGIA_DIST, dist, { recursive: true });
  const demo = await startDemo(40, dist);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.pairSteward);
    await page.getByTestId('pin').waitFor({ timeout: 15_000 });
    await shellCached(page);
    const [oldCache] = Object.keys(await cached(page));

    // Deploy: a new build is a new sw.js (another version stamp; its precompressed copies go too).
    const sw = path.join(dist, 'sw.js');
    const text = fs.readFileSync(sw, 'utf8');
    const version = text.match(/const VERSION = '([0-9a-f]{16})'/)[1];
    const next = [...version].reverse().join('') === version ? 'f'.repeat(16) : [...version].reverse().join('');
    fs.writeFileSync(sw, text.replace(`'${version}'`, `'${next}'`));
    for (const ext of ['.br', '.gz']) fs.rmSync(sw + ext, { force: true });
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));

    // The new worker takes over only with the scanner kept whole; the old cache is deleted.
    const deadline = Date.now() + 90_000; // it downloads the whole scanner again (CI runs other tests beside it)
    let caches = await cached(page);
    let nextCheck = Date.now() + 5_000;
    while (Object.keys(caches).join() !== `ingia-shell-${next}`) {
      if (Date.now() > deadline) {
        const workers = await page.evaluate(async () => {
          const r = await navigator.serviceWorker.getRegistration();
          return ['installing', 'waiting', 'active'].map((k) => `${k}: ${r[k] ? r[k].state : '-'}`).join(', ');
        });
        assert.fail(`the new build did not take over: caches ${JSON.stringify(caches)}; workers ${workers}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      // An install that failed (a dropped download) is tried again at the next update check, as
      // a phone does at its next navigation.
      if (Date.now() > nextCheck) {
        nextCheck = Date.now() + 5_000;
        await page.evaluate(async () => {
          const r = await navigator.serviceWorker.getRegistration();
          if (!r.installing && !r.waiting) await r.update().catch(() => {});
        });
      }
      caches = await cached(page);
    }
    const kept = caches[`ingia-shell-${next}`];
    assert.notEqual(oldCache, `ingia-shell-${next}`);
    assert.ok(kept.includes('/.ingia-kept/'), kept.join(' '));
    assert.ok(kept.includes('/ingia-decoder_bg.wasm'), 'the decoder worker is kept with the scanner');
    assert.ok(kept.includes('/ingia-engine_bg.wasm'), 'the gate engine worker is kept with the scanner');
    assert.ok(!kept.includes('/.ingia-kept/wallet'), 'a gate phone does not keep the wallet');

    // Offline after the update: the scanner opens from the new cache and decides a PIN.
    await context.setOffline(true);
    await page.reload();
    const printed = demo.tickets().find((t) => t.ticket === 7);
    await page.getByTestId('pin').fill(printed.pin);
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('verdict').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('verdict').getAttribute('data-tone'), 'green');
    await context.close();
  } finally {
    await browser.close();
    demo.stop();
    fs.rmSync(dist, { recursive: true, force: true });
  }
});
