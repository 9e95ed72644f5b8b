// The live stream: a gate learns another gate's admission as the server accepts it, not at its
// next pull. Two online gates, a real server, Debian's Chromium; gate B's requests are watched
// so the test knows no pull carried the admission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDemo, launchChromium, openSheet, closeSheet } from './server.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemo(30);
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
  const detail = await page.getByTestId('verdict-detail').textContent();
  await verdict.click();
  await verdict.waitFor({ state: 'detached' });
  return { title, detail };
}

/** Waits until the gate holds its live stream. */
async function streaming(g) {
  const deadline = Date.now() + 15_000;
  while (!g.requests.some((r) => r.url.includes('/api/live'))) {
    assert.ok(Date.now() < deadline, 'the gate opened no live stream');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** A newly paired gate, open and past its first sync; every request it makes is noted. */
async function gate(role, viewport) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const requests = [];
  context.on('request', (r) => requests.push({ at: Date.now(), url: r.url() }));
  const page = await context.newPage();
  await page.goto(demo.newPairing('Main gate', role));
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  await page.getByText(/^0 pending/).waitFor({ timeout: 15_000 });
  return { context, page, requests };
}

test('another online gate refuses the same ticket within 2 s, brought by the stream, not a pull', async () => {
  const printed = demo.tickets().find((t) => t.ticket === 14); // a printed ticket: a PIN admits it
  const a = await gate('steward');
  const b = await gate('supervisor');
  // B holds the stream once its first pull is done.
  await streaming(b);
  await openSheet(b.page, 'gate');
  const before = await b.page.getByTestId('stats').textContent();
  const inBefore = Number(before.match(/^(\d+) \//)[1]);

  const started = Date.now();
  assert.equal((await check(a.page, printed.pin)).title, 'Welcome');
  await b.page.getByTestId('stats').getByText(new RegExp(`^${inBefore + 1} / 30 checked in`)).waitFor({ timeout: 5_000 });
  const learned = Date.now() - started;
  await closeSheet(b.page);
  const v = await check(b.page, printed.pin);
  const refused = Date.now() - started;
  assert.equal(v.title, 'Already checked in');
  assert.match(v.detail, /Main gate/);
  assert.ok(refused < 2_000 + 1_000, `refused ${refused} ms after A's scan`); // 1 s for the verdict UI itself
  assert.ok(learned < 2_000, `gate B learned the admission ${learned} ms after A's scan`);
  // No pull by B between A's scan and its verdict: the admission came over the stream.
  const pulls = b.requests.filter((r) => r.url.includes('/api/admissions') && r.at >= started && r.at <= started + refused);
  if (pulls.length) console.log(b.requests.map((r) => `${r.at - started} ${r.url}`).join('\n'));
  assert.deepEqual(pulls, [], 'no pull in between');
  console.log(`# live: gate B learned gate A's admission in ${learned} ms (refused at ${refused} ms, verdict UI included)`);
  await a.context.close();
  await b.context.close();
});

test('an attendee who texts CHECKIN is listed at their gate with the code of the reply on their phone', async () => {
  const sms = demo.smsCheckIn;
  assert.ok(sms, 'the demo printed its SMS check-in line');
  const g = await gate('steward', { width: 360, height: 740 });
  await streaming(g);
  assert.equal(await g.page.getByTestId('tab-phone').count(), 0, 'no SMS tab before anyone texted');
  await openSheet(g.page, 'gate');
  const inBefore = Number((await g.page.getByTestId('stats').textContent()).match(/^(\d+) \//)[1]);
  await closeSheet(g.page);
  // The provider's callback, as Africa's Talking posts it.
  const started = Date.now();
  const resp = await fetch(sms.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ from: sms.from, to: sms.to, id: 'e2e-sms-1', text: `check in ${sms.pin}` }),
  });
  assert.equal(resp.status, 200);
  // The reply the console driver printed: the code the attendee will hold up.
  const escaped = sms.from.replace('+', '\\+');
  const [, code] = await demo.printed(new RegExp(`^SMS to ${escaped}: Welcome .* Show code (\\w{4}) to the steward at Main gate\\.`));
  await openSheet(g.page, 'phone');
  const list = g.page.getByTestId('phone');
  await list.getByText(code).waitFor({ timeout: 5_000 });
  const listed = Date.now() - started;
  const [first, ...rest] = sms.holder.split(' ');
  const text = await list.textContent();
  assert.ok(text.includes(`${first} ${rest.at(-1)[0]}.`), text);
  assert.ok(!text.includes(rest.at(-1)), `only the last name's initial: ${text}`);
  // At 360 px the code and the name fit on the screen.
  const box = await list.locator('li').first().boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 360, JSON.stringify(box));
  const out = process.env.INGIA_TEST_OUTPUT;
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    await g.page.screenshot({ path: path.join(out, 'gate-sms-arrivals-360.png') });
  }
  console.log(`# live: an SMS check-in was listed at its gate ${listed} ms after the text arrived`);
  // The gate counts it in, learned like any admission.
  await openSheet(g.page, 'gate');
  await g.page.getByTestId('stats').getByText(new RegExp(`^${inBefore + 1} / 30 checked in`)).waitFor({ timeout: 5_000 });
  await g.context.close();
});
