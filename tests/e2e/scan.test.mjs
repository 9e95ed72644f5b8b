// The camera scanner end to end: Chromium's fake camera plays a video of real ticket QR codes
// (the SVG files `ingia-server tickets issue` printed), the page decodes them in the decoder
// worker, decides offline and syncs with a real ingia-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchWithCamera, recordVerdicts, verdicts, stats, shellCached, openSheet } from './server.mjs';
import { writeVideo, forge, qrSvg } from './video.mjs';

let demo;
let dir;

before(async () => {
  // 200 attendees: 26 Printed tickets (every 7th that is not a VIP's 10th).
  demo = await startDemo(200);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-video-'));
});

after(() => demo?.stop());

/** The CLI's printable QR code of a ticket. */
function printedSvg(ticket) {
  return fs.readFileSync(path.join(demo.dataDir, 'tickets', `ticket-${String(ticket).padStart(6, '0')}.svg`), 'utf8');
}

async function walletCredential(t) {
  const token = t.wallet.split('#')[1];
  const r = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }) });
  assert.equal(r.status, 200);
  return (await r.json()).credential;
}

const printedIds = () => demo.tickets().map((t) => t.ticket).filter((id) => id % 7 === 0 && id % 10 !== 0);

async function pairedPage(browser, link, { cameraOff = false } = {}) {
  const context = await browser.newContext({ permissions: ['camera'] });
  await recordVerdicts(context);
  if (cameraOff) await context.addInitScript(() => localStorage.setItem('ingia.camera', 'off'));
  const page = await context.newPage();
  await page.goto(link);
  await page.getByTestId('pin').waitFor({ timeout: 20_000 });
  await shellCached(page); // the decoder worker too: the camera may start offline
  return { context, page };
}

test('a ticket scans green, a forgery red, the same ticket again amber with when and where', async () => {
  const [first, other] = printedIds();
  const tickets = demo.tickets();
  const holder = tickets.find((t) => t.ticket === first).holder;
  const forged = forge(await walletCredential(tickets.find((t) => t.ticket === other)));
  const video = await writeVideo(path.join(dir, 'scan.y4m'), [
    { blank: 1 }, { svg: printedSvg(first), seconds: 1 }, { blank: 1 },
    { svg: qrSvg(forged), seconds: 1 }, { blank: 1 },
    { svg: printedSvg(first), seconds: 1 }, { blank: 6 },
  ]);
  const browser = await launchWithCamera(video);
  try {
    const { page } = await pairedPage(browser, demo.pairSteward);
    const seen = await verdicts(page, 3);
    assert.deepEqual(seen[0], { tone: 'green', title: 'Welcome', holder, detail: '' });
    assert.deepEqual([seen[1].tone, seen[1].title, seen[1].holder], ['red', 'Fake ticket', '']);
    assert.deepEqual([seen[2].tone, seen[2].title, seen[2].holder], ['amber', 'Already checked in', holder]);
    assert.match(seen[2].detail, /^at \d\d:\d\d, Main gate, device \d+$/);
    // Every attempt reaches the server's audit log; one admission counts.
    await page.getByText('0 pending · 3 synced · 0 conflicts').waitFor({ timeout: 20_000 });
    const camera = await page.evaluate(() => globalThis.ingiaCamera.stats);
    assert.ok(camera.frames > 0 && camera.decoded >= 3, JSON.stringify(camera));
    assert.equal(camera.restarts, 0);
    // The decoder worker dies (as a trap would kill it): it is replaced and scanning goes on.
    const decoded = await page.evaluate(() => {
      globalThis.ingiaCamera.worker.terminate();
      return globalThis.ingiaCamera.stats.decoded;
    });
    await page.waitForFunction((d) => globalThis.ingiaCamera.stats.restarts >= 1 && globalThis.ingiaCamera.stats.decoded > d,
      decoded, { timeout: 30_000 });
  } finally {
    await browser.close();
  }
});

test('20 tickets scanned offline survive a reload and reach the server exactly once each', async () => {
  const ids = printedIds().slice(2, 22);
  assert.equal(ids.length, 20);
  const scenes = [{ blank: 1 }];
  for (const id of ids) scenes.push({ svg: printedSvg(id), seconds: 0.6 }, { blank: 0.6 });
  scenes.push({ blank: 8 });
  const video = await writeVideo(path.join(dir, 'twenty.y4m'), scenes);
  const browser = await launchWithCamera(video);
  try {
    const { context, page } = await pairedPage(browser, demo.newPairing(), { cameraOff: true });
    await page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
    const before = (await stats(demo)).checked_in;
    await context.setOffline(true);
    await page.getByTestId('camera-toggle').click(); // the video starts from its first frame
    const seen = await verdicts(page, 20, 60_000);
    await page.getByTestId('camera-toggle').click(); // pause in the blank tail
    assert.deepEqual(seen.map((v) => v.tone), Array(20).fill('green'));
    const holders = new Map(demo.tickets().map((t) => [t.ticket, t.holder]));
    assert.deepEqual(seen.map((v) => v.holder), ids.map((id) => holders.get(id)));
    await page.getByText('20 pending · 0 synced · 0 conflicts').waitFor({ timeout: 5_000 });

    await page.reload(); // offline: the shell comes from the service worker, the outbox from IndexedDB
    await page.getByText('20 pending · 0 synced · 0 conflicts').waitFor({ timeout: 20_000 });
    // (No server-side check here: Playwright's offline emulation does not cover requests that pass
    // through a service worker, so some pushes may reach the server unanswered; the resends below
    // are idempotent, which the final count checks.)

    await context.setOffline(false);
    await page.getByText('0 pending · 20 synced · 0 conflicts').waitFor({ timeout: 30_000 });
    assert.equal((await stats(demo)).checked_in, before + 20);

    // With the network off again, a fresh start still scans (worker and all from the cache).
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('camera-toggle').click();
    const again = await verdicts(page, 1, 30_000);
    assert.deepEqual([again[0].tone, again[0].title], ['amber', 'Already checked in']);
  } finally {
    await browser.close();
  }
});

test('two gates admit the same ticket offline: after sync one is accepted, the other shows the conflict, also after a reload', async () => {
  const id = printedIds()[25];
  const video = await writeVideo(path.join(dir, 'one.y4m'), [{ blank: 1 }, { svg: printedSvg(id), seconds: 1 }, { blank: 8 }]);
  const browser = await launchWithCamera(video);
  try {
    const a = await pairedPage(browser, demo.newPairing(), { cameraOff: true });
    const b = await pairedPage(browser, demo.newPairing(), { cameraOff: true });
    await a.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
    await b.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
    const before = (await stats(demo)).checked_in;
    await a.context.setOffline(true);
    await b.context.setOffline(true);
    for (const gate of [a, b]) {
      await gate.page.getByTestId('camera-toggle').click();
      const [v] = await verdicts(gate.page, 1);
      assert.deepEqual([v.tone, v.title], ['green', 'Welcome']);
      await gate.page.getByTestId('camera-toggle').click();
    }
    await a.context.setOffline(false);
    await a.page.getByText('0 pending · 1 synced · 0 conflicts').waitFor({ timeout: 20_000 });
    await b.context.setOffline(false);
    await b.page.getByText('0 pending · 1 synced · 1 conflict').waitFor({ timeout: 20_000 });
    await openSheet(b.page, 'conflicts');
    const conflict = await b.page.getByTestId('conflicts').textContent();
    // A steward's phone holds no names: the ticket's number says which.
    assert.match(conflict, new RegExp(`^Ticket ${id}: admitted first at Main gate, \\d\\d:\\d\\d, device \\d+; this device at \\d\\d:\\d\\d`));
    // The supervisor's list is kept on the device: a reload shows the same conflict.
    await b.page.reload();
    await b.page.getByText(/^0 pending · \d+ synced · 1 conflict$/).waitFor({ timeout: 20_000 });
    await openSheet(b.page, 'conflicts');
    assert.equal(await b.page.getByTestId('conflicts').textContent(), conflict);
    assert.equal((await stats(demo)).checked_in, before + 1);
  } finally {
    await browser.close();
  }
});

test('an unpaired phone pairs by scanning the pairing QR code the CLI printed', async () => {
  demo.newPairing();
  const newest = fs.readdirSync(demo.dataDir).filter((f) => /^pair-device-\d+\.svg$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0])).at(-1);
  const svg = fs.readFileSync(path.join(demo.dataDir, newest), 'utf8');
  const video = await writeVideo(path.join(dir, 'pairing.y4m'), [{ blank: 1 }, { svg, seconds: 1.5 }, { blank: 4 }]);
  const browser = await launchWithCamera(video);
  try {
    const context = await browser.newContext({ permissions: ['camera'] });
    const page = await context.newPage();
    await page.goto(demo.base + '/');
    await page.getByTestId('scan-pairing').click();
    await page.getByTestId('pin').waitFor({ timeout: 30_000 });
    await openSheet(page, 'gate');
    assert.equal(await page.getByTestId('gate').textContent(), 'Main gate');
  } finally {
    await browser.close();
  }
});
