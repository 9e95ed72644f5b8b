// The live stream: a gate learns another gate's admission as the server accepts it, not at its
// next pull. Two online gates, a real server, Debian's Chromium; gate B's requests are watched
// so the test knows no pull carried the admission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

/** A newly paired gate, open and past its first sync; every request it makes is noted. */
async function gate(role) {
  const context = await browser.newContext();
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
  const deadline = Date.now() + 15_000;
  while (!b.requests.some((r) => r.url.includes('/api/live'))) {
    assert.ok(Date.now() < deadline, 'gate B opened no live stream');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
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
