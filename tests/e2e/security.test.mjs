// What a lost gate phone gives away (docs/security.md): the raw bytes of a paired steward
// phone's and a kiosk's IndexedDB hold no attendee name, PIN or code secret, while PIN entry
// still works; a supervisor's desk list is the stated exception (and shows the dump would find
// them); a revoked phone is empty after its next contact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from './server.mjs';

let demo;
let secrets;

before(async () => {
  demo = await startDemo(40);
  // Every ticket's name, PIN and code secret, as the attendee's wallet gets them.
  secrets = await Promise.all(demo.tickets().map(async (t) => {
    const r = await fetch(demo.base + '/api/wallet', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.wallet.split('#')[1] }),
    });
    const w = await r.json();
    // The PIN from the list: a wallet shows none for a type that takes no PIN.
    assert.match(t.pin, /^\d{6,8}$/);
    return { ticket: t.ticket, holder: w.holder, pin: t.pin, code: Buffer.from(w.code_secret, 'hex') };
  }));
  assert.equal(secrets.length, 40);
});

after(() => demo?.stop());

/** A Chromium with its own profile on disk (IndexedDB lands in files there). */
async function phone() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-phone-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'],
  });
  return { dir, context, page: context.pages()[0] ?? await context.newPage() };
}

/** Every byte of the profile's IndexedDB files. */
function dump(dir) {
  const root = path.join(dir, 'Default', 'IndexedDB');
  const files = fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, f))
    .filter((f) => fs.statSync(f).isFile());
  return Buffer.concat(files.map((f) => fs.readFileSync(f)));
}

/** What of the event's secrets the bytes hold. */
function found(bytes) {
  return {
    names: secrets.filter((s) => bytes.includes(Buffer.from(s.holder))).length,
    pins: secrets.filter((s) => bytes.includes(Buffer.from(s.pin))).length,
    codes: secrets.filter((s) => bytes.includes(s.code)).length,
  };
}

/** Waits until the gate's own count (its ledger: what it pulled) says `n` tickets are in. */
async function checkedIn(page, n) {
  await page.waitForFunction((k) => document.querySelector('[data-testid=stats]')?.textContent.startsWith(`${k} / 40 checked in`),
    n, { timeout: 30_000 });
}

async function pin(page, typed) {
  await page.getByTestId('pin').fill(typed);
  await page.getByTestId('pin').press('Enter');
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ timeout: 10_000 });
  const seen = { tone: await verdict.getAttribute('data-tone'), holder: await page.getByTestId('verdict-holder').textContent() };
  await verdict.click();
  await verdict.waitFor({ state: 'detached' });
  return seen;
}

test('a steward phone and a kiosk hold no name, PIN or code secret, and PIN entry still works', async () => {
  // Ticket 7 is Printed: its PIN admits at the gate.
  const printed = secrets.find((s) => s.ticket === 7);
  const steward = await phone();
  await steward.page.goto(demo.newPairing());
  await steward.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
  assert.deepEqual(await pin(steward.page, printed.pin), { tone: 'green', holder: printed.holder });
  await steward.page.getByText(/^0 pending · 1 synced/).waitFor({ timeout: 20_000 });
  // Name search is not on this phone: it says where it is.
  await steward.page.getByTestId('tab-search').click();
  await steward.page.getByTestId('search-elsewhere').waitFor();

  const kiosk = await phone();
  await kiosk.page.goto(demo.newPairing('Main gate', 'kiosk'));
  await kiosk.page.getByTestId('kiosk-pin').fill('2468');
  await kiosk.page.getByTestId('kiosk-pin').press('Enter');
  await kiosk.page.getByTestId('kiosk').waitFor({ timeout: 20_000 });

  const supervisor = await phone();
  await supervisor.page.goto(demo.newPairing('Main gate', 'supervisor'));
  await supervisor.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });

  for (const p of [steward, kiosk, supervisor]) await p.context.close();
  assert.deepEqual(found(dump(steward.dir)), { names: 0, pins: 0, codes: 0 }, 'steward phone');
  assert.deepEqual(found(dump(kiosk.dir)), { names: 0, pins: 0, codes: 0 }, 'kiosk');
  // The supervisor's desk list (for name search) is the stated exception: the same dump finds it.
  const desk = found(dump(supervisor.dir));
  assert.equal(desk.names, 40, 'the dump finds names where they are');
  assert.equal(desk.codes, 40, 'and code secrets');
});

test('a revoked phone is empty after its next contact', async () => {
  const steward = await phone();
  const link = demo.newPairing();
  await steward.page.goto(link);
  await steward.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
  const device = await steward.page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('ingia');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('kv').objectStore('kv').get('pairing');
      get.onsuccess = () => { open.result.close(); resolve(Array.from(get.result)); };
    };
  }));
  assert.ok(device.length > 0, 'paired');
  // The organizer revokes it (its number is in the CLI's pairing output).
  execFileSync(process.env.INGIA_SERVER_BIN,
    ['--data-dir', demo.dataDir, 'device', 'revoke', demo.eventId(), demo.lastDeviceId()]);
  // Its next contact (a reload opens the gate and syncs at once).
  await steward.page.reload();
  await steward.page.getByTestId('erased').waitFor({ timeout: 20_000 });
  const left = await steward.page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('ingia');
    open.onerror = () => reject(open.error);
    open.onsuccess = async () => {
      const db = open.result;
      const names = Array.from(db.objectStoreNames);
      const counts = await Promise.all(names.map((n) => new Promise((ok) => {
        const c = db.transaction(n).objectStore(n).count();
        c.onsuccess = () => ok(c.result);
      })));
      db.close();
      resolve(counts.reduce((a, b) => a + b, 0));
    };
  }));
  assert.equal(left, 0, 'nothing of the event is left');
  // Reopened, it is an unpaired phone.
  await steward.page.reload();
  await steward.page.getByText('This device is not paired').waitFor({ timeout: 20_000 });
  await steward.context.close();
});

test("a revoked phone's admissions, annulled, let those attendees in again at another gate", async () => {
  const printed = secrets.find((s) => s.ticket === 14);
  const before = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const thief = await phone();
  await thief.page.goto(demo.newPairing());
  const thiefId = demo.lastDeviceId();
  const gate = await phone();
  await gate.page.goto(demo.newPairing());
  for (const p of [thief, gate]) await p.page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
  // The stolen phone admits ticket 14; the other gate learns it and refuses the holder.
  assert.equal((await pin(thief.page, printed.pin)).tone, 'green');
  await thief.page.getByText(/^0 pending · 1 synced/).waitFor({ timeout: 20_000 });
  // (Ticket 7 entered in the first test: with 14, two are in.)
  await checkedIn(gate.page, 2);
  assert.equal((await pin(gate.page, printed.pin)).tone, 'amber', 'refused: already checked in');
  // The organizer's one action: revoke the stolen phone and annul what it admitted since.
  const out = execFileSync(process.env.INGIA_SERVER_BIN,
    ['--data-dir', demo.dataDir, 'device', 'annul', demo.eventId(), thiefId, '--since', before], { encoding: 'utf8' });
  assert.match(out, /1 admissions by device \d+ annulled/);
  // The gate's next contact carries the annulment: the real holder is welcome.
  await checkedIn(gate.page, 1);
  const again = await pin(gate.page, printed.pin);
  assert.deepEqual([again.tone, again.holder], ['green', printed.holder]);
  await thief.context.close();
  await gate.context.close();
});
