// Manual PIN entry at the gate: the verdict comes from the device's own manifest and ledger,
// the record is stored before the verdict shows, and it syncs to the server in the background.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, shellCached, openSheet, closeSheet, typePin, dismissVerdict } from './server.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemo(60);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

async function stats() {
  const r = await fetch(demo.base + '/api/stats', { headers: { Authorization: 'Bearer ' + demo.organizerToken } });
  assert.equal(r.status, 200);
  return r.json();
}

/** A newly paired steward gate, open and past its first sync; `fakeClock`: under Playwright's
 * clock, installed before the app loads. */
async function syncedGate({ fakeClock = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (fakeClock) await page.clock.install();
  await page.goto(demo.newPairing());
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  await page.getByText(/^0 pending/).waitFor({ timeout: 15_000 });
  return { context, page };
}

async function check(page, pin) {
  const result = await typePin(page, pin);
  await dismissVerdict(page);
  return result;
}

test('a PIN admits once, a second time says when and where, and the server gets it', async () => {
  const tickets = demo.tickets();
  // Ticket 7 is Printed (no live code needed); ticket 1 is General (needs the phone's live code).
  const printed = tickets.find((t) => t.ticket === 7);
  const general = tickets.find((t) => t.ticket === 1);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.pairSteward);
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  // The steward gives their name (the gate's sheet): every record from now on carries it.
  await openSheet(page, 'gate');
  assert.equal(await page.getByTestId('staff').textContent(), 'steward');
  await page.getByTestId('staff-name').fill('Ngozi Adeyemi');
  await page.getByTestId('staff-name').press('Enter');
  await page.getByTestId('staff').getByText('Ngozi Adeyemi').waitFor();
  await closeSheet(page);

  const first = await check(page, printed.pin);
  assert.deepEqual([first.tone, first.title, first.holder], ['green', 'Welcome', printed.holder]);

  const again = await check(page, printed.pin);
  assert.equal(again.tone, 'amber');
  assert.equal(again.title, 'Already checked in');
  assert.match(again.detail, /^at \d\d:\d\d, Main gate, device \d+$/);

  // The demo's General type takes the live code or SMS, not a PIN typed at the gate.
  const needsCode = await check(page, general.pin);
  assert.deepEqual([needsCode.tone, needsCode.title], ['amber', 'Not by PIN for this ticket: scan its code']);

  const used = new Set(tickets.map((t) => t.pin));
  let unknown = '100000';
  while (used.has(unknown)) unknown = String(Number(unknown) + 1);
  const nobody = await check(page, unknown);
  assert.deepEqual([nobody.tone, nobody.title], ['red', 'No ticket has this PIN']);

  // Background sync: all four attempts reach the server; exactly one admission counts.
  await page.getByText('0 pending · 4 synced · 0 conflicts').waitFor({ timeout: 20_000 });
  const s = await stats();
  assert.equal(s.checked_in, 1);
  assert.equal(s.gates[0].admitted, 1);
  assert.equal(s.gates[0].refused, 3);
  // The organizer's audit export names her on all four attempts.
  const rows = demo.exportScans().trim().split('\n');
  assert.equal(rows[0], 'at_utc,device,scan_id,gate,staff,ticket,movement,result,outcome');
  const hers = rows.filter((r) => r.split(',')[4] === 'Ngozi Adeyemi');
  assert.deepEqual(hers.map((r) => r.split(',').slice(7).join(',')),
    ['admitted,accepted', 'already_checked_in,recorded', 'way_not_accepted,recorded', 'unknown_pin,recorded'], rows.join('\n'));
  // A reload keeps the ledger: still "already checked in" on this device; and her name.
  await page.reload();
  await openSheet(page, 'gate');
  await page.getByTestId('staff').getByText('Ngozi Adeyemi').waitFor({ timeout: 15_000 });
  await closeSheet(page);
  const afterReload = await check(page, printed.pin);
  assert.equal(afterReload.title, 'Already checked in');
  await context.close();
});

test('another gate learns the admission and refuses the same PIN offline', async () => {
  const tickets = demo.tickets();
  const printed = tickets.find((t) => t.ticket === 14);
  const a = await browser.newContext();
  const pa = await a.newPage();
  await pa.goto(demo.pairVipSteward);
  await pa.getByTestId('pin').waitFor({ timeout: 15_000 });
  assert.equal((await check(pa, printed.pin)).title, 'Welcome');
  await pa.getByText(/0 pending/).waitFor({ timeout: 20_000 });

  // A supervisor device at the main gate pulls the admission, then goes offline.
  const b = await browser.newContext();
  const pb = await b.newPage();
  const supervisorLink = demo.supervisor;
  await pb.goto(supervisorLink);
  await pb.getByTestId('pin').waitFor({ timeout: 15_000 });
  // Wait for at least one pull so the other gate's admission is in this device's ledger.
  await pb.waitForTimeout(3_000);
  await b.setOffline(true);
  const v = await check(pb, printed.pin);
  assert.equal(v.title, 'Already checked in');
  assert.match(v.detail, /VIP gate/);
  await a.close();
  await b.close();
});

test('a gate out of contact for over 10 minutes warns that its data may be stale', async () => {
  const { context, page } = await syncedGate({ fakeClock: true });
  assert.equal(await page.getByTestId('stale').count(), 0);
  const clock = await sharedClock(page);
  await context.setOffline(true);
  await clock.forward(11);
  // The engine says it at its next (failed) round: within its retry backoff.
  await page.getByTestId('stale').waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId('stale').textContent(), /No contact with the server for 1[01] min/);
  // Scanning still works offline, from the device's own data.
  const printed = demo.tickets().find((t) => t.ticket === 21);
  assert.equal((await check(page, printed.pin)).title, 'Welcome');
  await context.close();
});

/** The page's clock and the engine worker's, moved together: the page by Playwright's fake clock
 * (installed before the app loads), the worker by an offset on its `Date.now`. */
async function sharedClock(page) {
  const engine = page.workers().find((w) => w.url().endsWith('/engine-loader.js'));
  assert.ok(engine, `no engine worker among ${page.workers().map((w) => w.url())}`);
  await engine.evaluate(() => {
    const real = Date.now.bind(Date);
    globalThis.__ingiaShift = 0;
    Date.now = () => real() + globalThis.__ingiaShift;
  });
  const align = async () => {
    // Whether or not the fake clock reaches workers, the engine ends up on the page's time.
    const [pageNow, engineNow] = [await page.evaluate(() => Date.now()), await engine.evaluate(() => Date.now())];
    await engine.evaluate((d) => { globalThis.__ingiaShift += d; }, pageNow - engineNow);
  };
  await align();
  return {
    forward: async (minutes) => {
      await page.clock.fastForward(minutes * 60_000);
      await align();
    },
    /** The page's clock as HH:MM in the event's zone (the demo's: Lagos), `ahead` ms from now. */
    hhmm: (ahead = 0) => page.evaluate((ms) => new Date(Date.now() + ms).toLocaleTimeString('en-GB',
      { timeZone: 'Africa/Lagos', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }), ahead),
  };
}

test('an online gate whose syncs succeed never warns; its "data as of" follows each sync; offline for 10 minutes it warns', async () => {
  const { context, page } = await syncedGate({ fakeClock: true });
  const clock = await sharedClock(page);
  // 15 minutes online, in three steps: after each, the engine's next sync moves "data as of".
  for (let step = 1; step <= 3; step++) {
    await clock.forward(5);
    // The next sync is at most one pull interval (10 s) away: this minute, or the next one.
    const [now, soon] = [await clock.hhmm(), await clock.hhmm(20_000)];
    await page.getByTestId('as-of').getByText(new RegExp(`^Data as of (${now}|${soon})$`)).waitFor({ timeout: 20_000 });
    await clock.forward(0.1); // the page looks at its clock again
    assert.equal(await page.getByTestId('stale').count(), 0, `stale warning ${step * 5} minutes after opening, online`);
  }
  // The network drops: after 10 minutes without contact the warning shows.
  const lastSync = await page.getByTestId('as-of').textContent();
  await context.setOffline(true);
  await clock.forward(11);
  await page.getByTestId('stale').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('stale').textContent(), /No contact with the server for 1[01] min/);
  assert.equal(await page.getByTestId('as-of').textContent(), lastSync, 'data as of stays at the last contact');
  await context.close();
});

test('a server answering 429 with Retry-After: 7 is not asked again for 7 s, even when the network comes back', async () => {
  const { context, page } = await syncedGate();
  const asked = [];
  await page.route('**/api/checkins', (route) => {
    asked.push(Date.now());
    if (asked.length > 1) return route.continue();
    return route.fulfill({
      status: 429,
      headers: { 'retry-after': '7', 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many requests; try again later' } }),
    });
  });
  assert.equal((await check(page, '1')).tone, 'red'); // a refusal is a record to sync like any other
  while (asked.length < 1) await new Promise((resolve) => setTimeout(resolve, 50));
  // The browser says the network is back meanwhile: the server's word still holds.
  await context.setOffline(true);
  await context.setOffline(false);
  await page.getByText(/^0 pending · 1 synced/).waitFor({ timeout: 30_000 });
  assert.ok(asked.length >= 2, `asked ${asked.length} times`);
  const waited = asked[1] - asked[0];
  assert.ok(waited >= 7_000, `asked again ${waited} ms after a Retry-After of 7 s`);
  assert.ok(waited < 12_000, `waited ${waited} ms, far past the server's 7 s`);
  await page.unroute('**/api/checkins');
  await context.close();
});

test('check-ins made offline survive a killed tab and reach the server when the network returns', async () => {
  // Printed tickets (every 7th) that the other tests leave alone.
  const printed = demo.tickets().filter((t) => [28, 35, 42].includes(t.ticket));
  assert.equal(printed.length, 3);
  const context = await browser.newContext();
  let page = await context.newPage();
  await page.goto(demo.newPairing());
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  const before = (await stats()).checked_in;
  await context.setOffline(true);
  for (const t of printed.slice(0, 3)) {
    assert.equal((await check(page, t.pin)).title, 'Welcome');
  }
  await page.getByText(/^3 pending/).waitFor({ timeout: 10_000 });
  await page.close(); // the tab is killed while offline
  await context.setOffline(false);
  page = await context.newPage();
  await page.goto(demo.base + '/');
  await page.getByText(/^0 pending · 3 synced/).waitFor({ timeout: 20_000 });
  assert.equal((await stats()).checked_in, before + 3);
  await context.close();
});

test('after one online visit the app opens and scans with the network off', async () => {
  const printed = demo.tickets().find((t) => t.ticket === 49);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.newPairing());
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  await shellCached(page);
  await context.setOffline(true);
  await page.reload();
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  assert.equal((await check(page, printed.pin)).title, 'Welcome');
  await context.close();
});

test('a supervisor finds a holder by name offline, admits after an ID check; stats and recent scans follow', async () => {
  const holder = demo.tickets().find((t) => t.ticket === 56);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.newPairing('Main gate', 'supervisor'));
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  await page.waitForTimeout(3_000); // one pull: the other tests' admissions are in this device's ledger
  await context.setOffline(true);
  await openSheet(page, 'gate');
  const before = await page.getByTestId('stats').textContent();
  const [, inBefore, total, gateBefore] = before.match(/^(\d+) \/ (\d+) checked in · (\d+) at this gate$/);
  assert.equal(Number(total), 60);

  // Two words of the name, in another case, find the holder: not checked in yet.
  const [first, last] = holder.holder.split(' ');
  await openSheet(page, 'search');
  await page.getByTestId('name-search').fill(`${last.toUpperCase()} ${first.slice(0, 3)}`);
  const result = page.getByTestId('search-results').locator('li').first();
  await result.waitFor();
  assert.match(await result.textContent(), new RegExp(`^${holder.holder} · Printed · not checked in`));
  await result.getByRole('button', { name: 'Admit (ID checked)' }).click();
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-tone'), 'green');
  await verdict.click();
  // The search, still open, shows the holder inside now; the gate's counts moved.
  await result.getByText(/checked in at \d\d:\d\d, Main gate/).waitFor();
  await openSheet(page, 'gate');
  await page.getByTestId('stats').getByText(`${Number(inBefore) + 1} / 60 checked in · ${Number(gateBefore) + 1} at this gate`).waitFor();
  await closeSheet(page);

  // A refused PIN next; the recent list keeps both, newest first, and filters them.
  await page.getByTestId('pin').fill('1');
  await page.getByTestId('pin').press('Enter');
  await verdict.waitFor();
  await verdict.click();
  await openSheet(page, 'recent');
  const recent = page.getByTestId('recent').locator('li');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=recent] li').length >= 2);
  assert.match(await recent.nth(0).textContent(), /^\d\d:\d\d · Not a ticket$/);
  assert.match(await recent.nth(1).textContent(), new RegExp(`^\\d\\d:\\d\\d · Admitted · ${holder.holder}$`));
  await page.getByRole('button', { name: 'Refused', exact: true }).click();
  assert.equal(await recent.count(), 1);
  await page.getByRole('button', { name: 'Admitted', exact: true }).click();
  assert.match(await recent.nth(0).textContent(), /Admitted/);
  // The list is stored: a reload (offline, from the service worker) shows it again.
  await shellCached(page);
  await page.reload();
  await openSheet(page, 'recent');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=recent] li').length >= 2);
  await context.close();
});

test("Chrome's Background Sync wake-up pushes at once, without waiting out the retry backoff", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.newPairing());
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  // The service worker must control the page to wake it.
  await shellCached(page);
  // The server stops answering check-in pushes; for the browser the network is still up, so no
  // `online` event will come. Each failed push doubles the wait before the next (ingia-core's
  // SyncSession: after the 5th failure, 8 to 16 s).
  const failedAt = [];
  await page.route('**/api/checkins', (route) => {
    failedAt.push(Date.now());
    return route.abort('internetdisconnected');
  });
  const refused = await check(page, '1'); // a refusal is a record to sync like any other
  assert.equal(refused.tone, 'red');
  await page.getByText(/^1 pending/).waitFor({ timeout: 10_000 });
  const deadline = Date.now() + 45_000;
  while (failedAt.length < 5) {
    assert.ok(Date.now() < deadline, `only ${failedAt.length} pushes tried in 45 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.unroute('**/api/checkins');

  // Chrome fires the sync event when it sees connectivity; DevTools fires the same event here.
  const cdp = await context.newCDPSession(page);
  const registration = new Promise((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    const live = registrations.find((r) => !r.isDeleted);
    if (live) resolve(live.registrationId);
  }));
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin: new URL(demo.base).origin,
    registrationId: await registration,
    tag: 'ingia-checkins',
    lastChance: false,
  });
  await page.getByText(/^0 pending · 1 synced/).waitFor({ timeout: 20_000 });
  // The timer alone would have waited at least 8 s after the 5th failure.
  const waited = Date.now() - failedAt[4];
  assert.ok(waited < 6_000, `the wake-up did not push: synced ${waited} ms after the last failure`);
  await context.close();
});

test('a gate engine that crashes is replaced: the next scan is decided, and nothing stored is lost', async () => {
  const { context, page } = await syncedGate();
  await shellCached(page); // a fresh engine offline comes from the service worker's cache
  await context.setOffline(true);
  assert.equal((await check(page, '1')).tone, 'red'); // a refusal is a record like any other
  await page.getByText(/^1 pending/).waitFor({ timeout: 10_000 });

  // An uncaught error in the engine worker (what a trap in its wasm is to the page).
  const engine = page.workers().find((w) => w.url().endsWith('/engine-loader.js'));
  assert.ok(engine, `no engine worker among ${page.workers().map((w) => w.url())}`);
  const closed = new Promise((resolve) => engine.once('close', resolve));
  await engine.evaluate(() => setTimeout(() => {
    throw new Error('engine crash (test)');
  }));
  await closed;

  // The next scan starts a fresh engine, which reopens the gate from IndexedDB first.
  assert.equal((await check(page, '2')).tone, 'red');
  await page.getByText(/^2 pending/).waitFor({ timeout: 10_000 });
  await context.setOffline(false);
  await page.getByText(/^0 pending · 2 synced/).waitFor({ timeout: 20_000 });
  await context.close();
});

test('a staff PIN locks the gate screen after its idle minutes and on reopening; only the PIN opens it', async () => {
  const { context, page } = await syncedGate({ fakeClock: true });
  await openSheet(page, 'gate');
  assert.match(await page.getByTestId('lock-state').textContent(), /No screen lock/);
  await page.getByTestId('lock-minutes').fill('2');
  await page.getByTestId('lock-new-pin').fill('12');
  await page.getByTestId('lock-setting').getByRole('button', { name: 'Set' }).click();
  await page.getByTestId('lock-setting').getByRole('alert').getByText('must be 4 to 8 digits').waitFor();
  await page.getByTestId('lock-new-pin').fill('2468');
  await page.getByTestId('lock-setting').getByRole('button', { name: 'Set' }).click();
  await page.getByTestId('lock-state').getByText('Locks after 2 min').waitFor();
  await closeSheet(page);
  // A minute of use keeps it open; two idle minutes lock it.
  await page.clock.runFor(60_000);
  assert.equal(await page.getByTestId('lock').count(), 0);
  await page.clock.runFor(70_000);
  await page.getByTestId('lock').waitFor({ timeout: 10_000 });
  // Locked, it scans nothing: the PIN entry is covered.
  await page.getByTestId('lock-pin').fill('1111');
  await page.getByTestId('lock-pin').press('Enter');
  await page.getByTestId('lock-message').getByText(/wrong/i).waitFor();
  await page.getByTestId('lock-pin').fill('2468');
  await page.getByTestId('lock-pin').press('Enter');
  await page.getByTestId('lock').waitFor({ state: 'detached' });
  // Unlocked, the gate decides again (ticket 3 is General: its PIN alone is not enough).
  const general = demo.tickets().find((t) => t.ticket === 3);
  const seen = await check(page, general.pin);
  assert.deepEqual([seen.tone, seen.holder], ['amber', general.holder]);
  // Reopened (a reload), it starts locked.
  await page.reload();
  await page.getByTestId('lock').waitFor({ timeout: 15_000 });
  await context.close();
});

test('a gate deletes its event the set hours after the event ends', async () => {
  const { context, page } = await syncedGate({ fakeClock: true });
  const clock = await sharedClock(page);
  // A phone left in a drawer: offline, so only its own clock (corrected by the offset it last
  // learned) says how late it is. The demo event ends 6 hours from now; gates keep it 12 more.
  await context.setOffline(true);
  await clock.forward(17 * 60);
  // A round at that time (it warns of the lost contact), and the event still kept.
  await page.getByTestId('stale').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('erased').count(), 0, 'still kept 17 hours on');
  await clock.forward(2 * 60);
  // The engine's next round (within its pull interval) finds the event past its time.
  await page.getByTestId('erased').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('erased').textContent(), /deleted everything it held/);
  const left = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('ingia');
    open.onsuccess = async () => {
      const db = open.result;
      const counts = await Promise.all(Array.from(db.objectStoreNames).map((n) => new Promise((ok) => {
        const c = db.transaction(n).objectStore(n).count();
        c.onsuccess = () => ok(c.result);
      })));
      db.close();
      resolve(counts.reduce((a, b) => a + b, 0));
    };
  }));
  assert.equal(left, 0);
  await context.close();
});
