// The organizer's live dashboard in the console: a gate's admission moves its counter and chart
// within 2 s, 80% of the venue's capacity raises an alert at once, and after the server is killed
// and started again the page reconnects by itself and its counts equal the database's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchChromium } from './server.mjs';

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

async function check(page, pin) {
  await page.getByTestId('pin').fill(pin);
  await page.getByTestId('pin').press('Enter');
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ timeout: 10_000 });
  const title = await page.getByTestId('verdict-title').textContent();
  await verdict.click();
  await verdict.waitFor({ state: 'detached' });
  return title;
}

const number = async (locator) => Number((await locator.textContent()).trim());

async function shot(page, name, width, height) {
  if (!process.env.INGIA_TEST_OUTPUT) return;
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(300); // let the page lay itself out at the new width
  const file = path.join(process.env.INGIA_TEST_OUTPUT, `dashboard-${name}-${width}x${height}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // Usable at this width: nothing wider than the screen but the tables' own scroll boxes.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at ${width} px`);
}

test('the dashboard moves within 2 s of a scan, alerts at 80%, and survives a server restart', async () => {
  // Printed tickets: their PIN admits at the gate.
  const printed = demo.tickets().filter((t) => t.ticket % 7 === 0).slice(0, 5);
  assert.equal(printed.length, 5);

  // The owner joins the console and sets the venue's capacity to 5 people.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(demo.consoleOwner);
  await page.getByLabel('Your name').fill('Ada Obi');
  await page.getByLabel('Email').fill('ada@lagoslive.ng');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('heading', { name: 'Your events' }).waitFor();
  const event = demo.eventId();
  await page.goto(`${demo.base}/console/events/${event}`);
  await page.getByText('Edit the event').click();
  await page.getByLabel(/^Venue capacity/).fill('5');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Edit the event').waitFor();
  await page.getByRole('link', { name: 'Live', exact: true }).click();
  await page.waitForURL(/\/live$/);
  await page.locator('#live-state[data-state=live]').waitFor({ timeout: 10_000 });
  assert.equal(await number(page.locator('#checked-in')), 0);
  assert.equal(await page.locator('#board').getByText(/of 5\b/).count(), 1, 'inside now: 0 of 5');

  const gateContext = await browser.newContext();
  const gate = await gateContext.newPage();
  await gate.goto(demo.newPairing('Main gate', 'steward'));
  await gate.getByTestId('pin').waitFor({ timeout: 15_000 });
  await gate.getByText(/^0 pending/).waitFor({ timeout: 15_000 });

  const moved = [];
  for (const [i, t] of printed.slice(0, 4).entries()) {
    const started = Date.now();
    const scanned = check(gate, t.pin);
    await page.locator('#checked-in').getByText(String(i + 1), { exact: true }).waitFor({ timeout: 5_000 });
    await page.locator(`figure.chart svg[data-sum="${i + 1}"]`).waitFor({ timeout: 5_000 });
    moved.push(Date.now() - started);
    assert.equal(await scanned, 'Welcome');
  }
  for (const ms of moved) assert.ok(ms < 2_000, `the dashboard moved ${ms} ms after the scan`);
  console.log(`# dashboard: counter and chart moved ${moved.join(', ')} ms after each scan (PIN entry included)`);

  // 4 of 5 inside: the 80% alert is on the page at once, and in the alert list.
  await page.locator('p.capacity[data-kind=capacity_80]').waitFor({ timeout: 2_000 });
  assert.equal(await page.locator('ul.alerts li[data-kind=capacity_80]').count(), 1);
  assert.equal(await number(page.locator('#inside')), 4);
  assert.equal(await number(page.locator('table.gates tr[data-gate]', { hasText: 'Main gate' }).locator('td.admitted')), 4);
  await shot(page, 'mid-event', 1280, 800);
  await shot(page, 'mid-event', 390, 844);
  await shot(page, 'mid-event', 360, 740);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The server dies; the page says so, the gate keeps admitting offline.
  await demo.kill();
  await page.locator('#live-state[data-state=lost]').waitFor({ timeout: 10_000 });
  assert.equal(await check(gate, printed[4].pin), 'Welcome');
  await gate.getByText(/^1 pending/).waitFor({ timeout: 5_000 });

  // Started again: the gate sends its queue, the page reconnects without a reload and its
  // numbers are the database's.
  await demo.restart();
  await page.locator('#checked-in').getByText('5', { exact: true }).waitFor({ timeout: 90_000 });
  await page.locator('#live-state[data-state=live]').waitFor({ timeout: 5_000 });
  assert.equal(demo.checkedIn(), 5);
  assert.equal(await number(page.locator('#checked-in')), demo.checkedIn());
  assert.equal(await number(page.locator('#inside')), 5);
  await page.locator('p.capacity[data-kind=capacity_100]').waitFor({ timeout: 2_000 });
  assert.equal(await page.locator('figure.chart svg[data-sum="5"]').count(), 1);

  // The printable report carries the same numbers and the per-gate per-hour summary.
  await page.getByRole('link', { name: 'Report', exact: true }).click();
  await page.waitForURL(/\/report$/);
  assert.equal(await number(page.locator('#checked-in')), 5);
  assert.ok(await page.getByRole('link', { name: 'Per gate and hour (CSV)' }).first().isVisible());
  await shot(page, 'report', 1280, 800);
  await gateContext.close();
  await context.close();
});
