// The gate phone in the field (issue 19): a Bluetooth or USB barcode scanner typing tickets as
// keystrokes, with the camera off, told apart from a person typing by its speed; and a phone
// whose clock is ten minutes behind (its pages' and workers' `Date`) that still admits the
// wallet's live code and refuses a two-step-old one, because it decides on the server's time
// (the offset its sync measured), not its own; and an idle gate that slows its frame pump down
// and wakes the moment a code comes into view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, launchWithCamera, recordVerdicts, verdicts, shellCached, skewClock } from './server.mjs';
import { writeVideo, liveThenStale } from './video.mjs';

let demo;
before(async () => {
  demo = await startDemo(30);
});
after(() => demo?.stop());

async function credential(t) {
  const r = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: t.wallet.split('#')[1] }) });
  assert.equal(r.status, 200);
  return (await r.json()).credential;
}

test('a hardware scanner\'s keystrokes admit a ticket with the camera off; a person typing the same is ignored', async () => {
  // Tickets 7 and 14 are Printed: their code admits without the live code.
  const [first, second] = demo.tickets().filter((t) => t.ticket === 7 || t.ticket === 14);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    await recordVerdicts(context);
    await context.addInitScript(() => localStorage.setItem('ingia.camera', 'off'));
    const page = await context.newPage();
    await page.goto(demo.newPairing());
    await page.getByTestId('pin').waitFor({ timeout: 20_000 });
    await shellCached(page);
    assert.equal(await page.getByTestId('camera-toggle').textContent(), 'Start camera', 'the camera is off');
    // Nothing focused: the page itself receives the keys, as from a paired scanner.
    // The scanner's burst: every key within a millisecond of the last, as its hardware types
    // (dispatched in the page, so the test's own round trips cannot slow it down).
    await page.evaluate((text) => {
      document.activeElement?.blur();
      for (const key of [...text, 'Enter']) {
        window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
      }
    }, await credential(first));
    const [admitted] = await verdicts(page, 1, 10_000);
    assert.deepEqual([admitted.tone, admitted.holder], ['green', first.holder], JSON.stringify(admitted));
    await page.getByTestId('verdict').click();
    await page.getByTestId('verdict').waitFor({ state: 'detached' });
    // A person typing the second ticket's text, a key every 150 ms: not a scan.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.type((await credential(second)).slice(0, 24), { delay: 150 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.__verdicts.length), 1, 'slow typing decided nothing');
    // Typing into the PIN field is the person's too, however fast (the field keeps it).
    await page.getByTestId('pin').click();
    await page.keyboard.type('123456', { delay: 2 });
    assert.equal(await page.getByTestId('pin').inputValue(), '123456');
    assert.equal(await page.evaluate(() => window.__verdicts.length), 1);
  } finally {
    await browser.close();
  }
});

test('a gate phone ten minutes behind admits the live code and refuses a two-step-old one', async () => {
  // Ticket 1 is General: the live code only. Its wallet's code now and two steps ago.
  const mine = demo.tickets().find((t) => t.ticket === 1);
  const wallet = await launchChromium();
  let live;
  let stale;
  try {
    const page = await (await wallet.newContext()).newPage();
    await page.clock.install();
    await page.goto(mine.wallet);
    const qr = page.getByTestId('wallet-qr').first();
    await qr.waitFor({ timeout: 15_000 });
    const realNow = Date.now();
    await page.clock.setSystemTime(realNow - 60_000);
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=wallet-qr]').dataset.step) === s, Math.floor(realNow / 30_000) - 2);
    stale = await qr.innerHTML();
    await page.clock.setSystemTime(Date.now());
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=wallet-qr]').dataset.step) >= s, Math.floor(Date.now() / 30_000));
    live = await qr.innerHTML();
  } finally {
    await wallet.close();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-clock-'));
  const video = await liveThenStale(path.join(dir, 'clock.y4m'), live, stale);
  const gate = await launchWithCamera(video);
  try {
    const context = await gate.newContext({ permissions: ['camera'] });
    await recordVerdicts(context);
    await skewClock(context, -10 * 60_000);
    const page = await context.newPage();
    await page.goto(demo.newPairing());
    // The phone's own clock, the page's and its workers', is ten minutes behind (the premise:
    // else this test proves nothing).
    await page.getByTestId('pin').waitFor({ timeout: 20_000 });
    const clocks = [page, ...page.workers()].map((x) => x.evaluate(() => Date.now()));
    for (const at of await Promise.all(clocks)) {
      const behind = Date.now() - at;
      assert.ok(behind > 9 * 60_000 && behind < 11 * 60_000, `a clock is ${behind} ms behind`);
    }
    assert.ok(page.workers().length >= 1, 'the engine worker runs');
    const seen = await verdicts(page, 2, 40_000);
    assert.deepEqual([seen[0].tone, seen[0].holder], ['green', mine.holder]);
    assert.equal(seen[1].title, 'Old code: ask them to open the ticket again');
  } finally {
    await gate.close();
  }
});

test('an idle gate decodes a few frames a second; a code held up wakes it and is read within 300 ms', async () => {
  const ticket = demo.tickets().find((t) => t.ticket === 21); // Printed
  const svg = fs.readFileSync(path.join(demo.dataDir, 'tickets', 'ticket-000021.svg'), 'utf8');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-idle-'));
  // 15 frames a second, so a busy pump has more frames than an idle one takes.
  const video = await writeVideo(path.join(dir, 'idle.y4m'), [{ blank: 13 }, { svg, seconds: 1.5 }, { blank: 2 }], 15);
  const browser = await launchWithCamera(video);
  try {
    const context = await browser.newContext({ permissions: ['camera'] });
    await recordVerdicts(context);
    const page = await context.newPage();
    await page.goto(demo.newPairing());
    await page.waitForFunction(() => globalThis.ingiaCamera?.stats.frames > 0, null, { timeout: 20_000 });
    const rate = async () => {
      const before = await page.evaluate(() => globalThis.ingiaCamera.stats.frames);
      await page.waitForTimeout(2000);
      return ((await page.evaluate(() => globalThis.ingiaCamera.stats.frames)) - before) / 2;
    };
    const busy = await rate();
    await page.waitForFunction(() => globalThis.ingiaCamera.stats.idle, null, { timeout: 15_000 });
    const idle = await rate();
    assert.ok(idle <= 5, `idle: ${idle} decodes a second`);
    assert.ok(idle * 2 < busy, `idle ${idle}/s against busy ${busy}/s`);
    const [seen] = await verdicts(page, 1, 20_000);
    assert.deepEqual([seen.tone, seen.holder], ['green', ticket.holder]);
    const woke = await page.evaluate(() => globalThis.ingiaCamera.stats.wakeToCodeMs);
    assert.equal(woke.length, 1, 'the code woke the pump');
    assert.ok(woke[0] <= 300, `read ${woke[0]} ms after the code came into view`);
    console.log(`# idle ${idle} decodes/s, busy ${busy}/s, code read ${Math.round(woke[0])} ms after it appeared`);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
