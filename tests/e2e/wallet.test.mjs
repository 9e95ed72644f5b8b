// The attendee's wallet: opened once from the private link, then offline; its QR code carries a
// new rotating code every step, scans green at a gate (the fake camera plays the wallet's own
// code), and a code from two steps ago (a screenshot) is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, launchWithCamera, recordVerdicts, verdicts, shellCached } from './server.mjs';
import { liveThenStale } from './video.mjs';

let demo;
before(async () => {
  demo = await startDemo(30);
});
after(() => demo?.stop());

test('a wallet works offline, changes its code every step, scans green, and a screenshot is refused', async () => {
  // Tickets 1 and 2 are General: the gate requires the live code for them.
  const [mine, friends] = demo.tickets().filter((t) => t.ticket === 1 || t.ticket === 2);
  const browser = await launchChromium();
  let live;
  let stale;
  try {
    // A phone set to another time zone than the event's.
    const context = await browser.newContext({ timezoneId: 'America/New_York' });
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(mine.wallet);
    const card = (holder) => page.getByTestId('wallet-ticket').filter({ hasText: holder });
    await card(mine.holder).waitFor({ timeout: 15_000 });
    // The start is shown in the event's time zone, not the phone's, in the reader's language (Intl).
    const event = await (await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: mine.wallet.split('#')[1] }) })).json();
    const shown = (zone) => page.evaluate(({ at, zone }) => new Date(at * 1000).toLocaleString('en',
      { dateStyle: 'full', timeStyle: 'short', ...(zone ? { timeZone: zone } : {}) }), { at: event.starts_at, zone });
    assert.equal(event.time_zone, 'Africa/Lagos');
    assert.notEqual(await shown(event.time_zone), await shown(null));
    assert.ok((await card(mine.holder).textContent()).includes(`${await shown(event.time_zone)} · ${event.venue}`));
    assert.equal(new URL(page.url()).hash, '', 'the secret link leaves the address bar');
    assert.equal(await card(mine.holder).getByTestId('wallet-pin').textContent(), mine.pin);
    assert.match(await card(mine.holder).getByTestId('wallet-qr').getAttribute('aria-label'), /changes every 30 seconds/);
    // A second ticket on the same phone.
    await page.goto(friends.wallet);
    await card(friends.holder).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('wallet-ticket').count(), 2);

    // Offline from here on: the tickets come from IndexedDB, the page from the service worker.
    await shellCached(page, '/wallet');
    // An attendee's phone keeps the wallet page only: none of the scanner, none of its decoder.
    const kept = await page.evaluate(async () => {
      const names = [];
      for (const name of await caches.keys()) {
        for (const r of await (await caches.open(name)).keys()) names.push(new URL(r.url).pathname);
      }
      return names;
    });
    assert.ok(kept.some((p) => /^\/ingia-wallet-[0-9a-f]+_bg\.wasm$/.test(p)), kept.join(' '));
    assert.deepEqual(kept.filter((p) => p.startsWith('/ingia') && !p.startsWith('/ingia-wallet')), []);
    await context.setOffline(true);
    await page.reload();
    const qr = card(mine.holder).getByTestId('wallet-qr');
    await qr.waitFor({ timeout: 15_000 });
    const step1 = Number(await qr.getAttribute('data-step'));
    const svg1 = await qr.innerHTML();
    assert.match(svg1, /^<svg/);
    await page.clock.fastForward(30_000);
    // One step on (two if a real step boundary passed while it was read).
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=wallet-qr]').dataset.step) > s, step1);
    assert.notEqual(await qr.innerHTML(), svg1, 'a new step draws a new code');
    // Tap to enlarge, tap to close.
    await qr.click();
    await page.locator('.wallet__full').click();
    await page.locator('.wallet__full').waitFor({ state: 'detached' });

    // Back to the real time: the live code of ticket 1; ticket 2 as a screenshot two steps old.
    const realNow = Date.now();
    await page.clock.setSystemTime(realNow);
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=wallet-qr]').dataset.step) === s, Math.floor(realNow / 30_000));
    live = await qr.innerHTML();
    await page.clock.setSystemTime(realNow - 60_000);
    const friendQr = card(friends.holder).getByTestId('wallet-qr');
    await page.waitForFunction((s) => [...document.querySelectorAll('[data-testid=wallet-qr]')].every((e) => Number(e.dataset.step) === s), Math.floor(realNow / 30_000) - 2);
    stale = await friendQr.innerHTML();
  } finally {
    await browser.close();
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-wallet-'));
  const video = await liveThenStale(path.join(dir, 'wallet.y4m'), live, stale);
  const gate = await launchWithCamera(video);
  try {
    const context = await gate.newContext({ permissions: ['camera'] });
    await recordVerdicts(context);
    const page = await context.newPage();
    await page.goto(demo.newPairing());
    const seen = await verdicts(page, 2, 40_000);
    assert.deepEqual([seen[0].tone, seen[0].title, seen[0].holder], ['green', 'Welcome', mine.holder]);
    assert.equal(seen[1].title, 'Old code: ask them to open the ticket again');
    assert.equal(seen[1].holder, friends.holder);
  } finally {
    await gate.close();
  }
});
