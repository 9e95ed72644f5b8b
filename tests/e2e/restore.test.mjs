// Backup -> restore -> continue, with real gates: a backup is taken while two gates work, more
// people come in after it, the server dies and its backup is restored. The gates learn that the
// server was restored and send again what it had settled for them (kept in IndexedDB across a
// reload), so the restored server ends with every admission, once, and the gates go on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, typePin, dismissVerdict } from './server.mjs';

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

async function gate() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.newPairing());
  await page.getByTestId('pin').waitFor({ timeout: 15_000 });
  await page.getByText(/^0 pending/).waitFor({ timeout: 15_000 });
  return page;
}

async function check(page, pin) {
  const v = await typePin(page, pin);
  await dismissVerdict(page);
  return v;
}

async function until(what, fn, timeout = 60_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a restored server gets back from the gates what its backup missed, and the event goes on', async () => {
  // Printed tickets: admitted by PIN at the gate.
  const printed = demo.tickets().filter((t) => t.ticket % 7 === 0 && t.ticket % 10 !== 0);
  assert.ok(printed.length >= 4);
  const a = await gate();
  const b = await gate();
  assert.equal((await check(a, printed[0].pin)).tone, 'green');
  await a.getByText('0 pending · 1 synced').waitFor({ timeout: 20_000 });

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-backup-')), 'nightly.db');
  assert.match(demo.backup(file), /^backup written: /);

  // After the backup: one more at each gate, both synced (the server has them, the backup not).
  assert.equal((await check(a, printed[1].pin)).tone, 'green');
  assert.equal((await check(b, printed[2].pin)).tone, 'green');
  await a.getByText('0 pending · 2 synced').waitFor({ timeout: 20_000 });
  await b.getByText('0 pending · 1 synced').waitFor({ timeout: 20_000 });
  assert.equal(demo.checkedIn(), 3);
  // Gate A reloads: what the server settled for it is kept on the phone, not only in memory.
  await a.reload();
  await a.getByTestId('pin').waitFor({ timeout: 15_000 });

  // The server dies; its backup is restored: two admissions are missing from it.
  await demo.kill();
  assert.match(demo.restore(file), /^restored: 1 events/);
  assert.equal(demo.checkedIn(), 1);
  await demo.restart();

  // The gates reconnect, see the new epoch and send their records again: all three are back.
  await until('the three admissions back on the server', () => demo.checkedIn() === 3);
  // The event goes on: B admits someone new; A learns it and refuses that ticket as already in.
  assert.equal((await check(b, printed[3].pin)).tone, 'green');
  await until('the new admission', () => demo.checkedIn() === 4);
  // A's live stream brings it at once (a gate that had not learned it would admit it: green).
  await new Promise((r) => setTimeout(r, 3_000));
  const seen = await check(a, printed[3].pin);
  assert.deepEqual([seen.tone, seen.title], ['amber', 'Already checked in'], JSON.stringify(seen));
  // Nothing doubled: each scan on the server once; each of the four tickets accepted once.
  const rows = demo.exportScans().trim().split('\n').slice(1).map((l) => l.split(','));
  const scanIds = rows.map((r) => `${r[1]}:${r[2]}`);
  assert.equal(new Set(scanIds).size, scanIds.length, 'a scan recorded twice');
  const accepted = rows.filter((r) => r[8] === 'accepted').map((r) => r[5]).sort();
  assert.deepEqual(accepted, printed.slice(0, 4).map((t) => String(t.ticket)).sort());
  assert.equal(demo.checkedIn(), 4);
});
