// Pairing a scanner: the link pairs once, the event downloads into IndexedDB with progress,
// and the device stays paired across reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, openSheet } from './server.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemo(40);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

test('a pairing link pairs this device and downloads its event', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.pairSteward);
  // The gate's details are one tap away, under the camera.
  await openSheet(page, 'gate');
  const tickets = page.getByTestId('tickets');
  assert.equal(await tickets.textContent(), '40 tickets on this device');
  assert.match(await page.getByTestId('event').textContent(), /Afrobeats Live/);
  assert.equal(await page.getByTestId('gate').textContent(), 'Main gate');
  assert.match(await page.getByTestId('as-of').textContent(), /^Data as of \d\d:\d\d$/);
  // The one-time code is gone from the address bar, so a reload cannot reuse it.
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(new URL(page.url()).hash, '');
  await page.reload();
  await openSheet(page, 'gate');
  assert.equal(await tickets.textContent(), '40 tickets on this device');
  await context.close();
});

test('a used pairing link is refused with a plain explanation', async () => {
  const first = await browser.newContext();
  const p1 = await first.newPage();
  await p1.goto(demo.pairVipSteward);
  await openSheet(p1, 'gate');
  assert.equal(await p1.getByTestId('gate').textContent(), 'VIP gate');
  const second = await browser.newContext();
  const p2 = await second.newPage();
  await p2.goto(demo.pairVipSteward);
  const error = p2.getByTestId('error');
  await error.waitFor({ timeout: 15_000 });
  assert.match(await error.textContent(), /pairing code is unknown, used or expired/);
  await first.close();
  await second.close();
});

test('an unpaired device says how to pair', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.base + '/');
  await page.getByText('This device is not paired').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#boot').count(), 0, 'the boot screen is gone once the app runs');
  await context.close();
});

test('a page whose module cannot download says so, and "Try again" starts it once the network is back', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wasm = /_bg\.wasm$/;
  await page.route(wasm, (route) => route.abort('connectionreset'));
  await page.goto(demo.base + '/');
  // Plain html first: the steward sees what is happening while the module downloads, then why it stopped.
  await page.getByText('Ingia could not start').waitFor({ timeout: 15_000 });
  const retry = page.getByRole('button', { name: 'Try again' });
  assert.ok(await retry.isVisible());
  await page.unroute(wasm);
  await retry.click();
  await page.getByText('This device is not paired').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#boot').count(), 0);
  await context.close();
});

test('a gate engine that cannot download says so, and "Try again" starts it once the network is back', async () => {
  // No service worker: once it controls the page it fetches for the worker, out of the route's reach.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const engine = /ingia-engine_bg\.wasm$/;
  await page.route(engine, (route) => route.abort('connectionreset'));
  await page.goto(demo.base + '/');
  // The page itself is up (its own module ran); the engine worker's module did not arrive.
  await page.getByText('The scanner did not load').waitFor({ timeout: 15_000 });
  await page.unroute(engine);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByText('This device is not paired').waitFor({ timeout: 15_000 });
  await context.close();
});

test('the app is installable: a web manifest with icons that load', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.base + '/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await (await fetch(demo.base + href)).json();
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  for (const icon of manifest.icons) {
    const r = await fetch(demo.base + icon.src);
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers.get('content-type'), 'image/png');
  }
  assert.ok(manifest.icons.some((i) => i.sizes === '512x512'));
  await context.close();
});
