// The organizer console in Chromium against a real server: the owner's one-time link, the
// sign-in lockout (the server locks for 4 s here instead of 15 min), an event made with two gates
// and two ticket types, a phone paired by scanning the QR the console shows (the fake camera
// plays a video of that very code), the device list with its last contact, and a revoke the
// phone learns at its next contact. Screenshots of the event page and the device list at
// 1280x800 and 390x844 go to INGIA_TEST_OUTPUT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, launchWithCamera, openSheet, startDemo } from './server.mjs';
import { writeVideo } from './video.mjs';

const PASSWORD = 'kola nut and palm wine';
const LOCK_SECS = 4;
let demo;
let dir;
const out = process.env.INGIA_TEST_OUTPUT;

before(async () => {
  demo = await startDemo(20, process.env.INGIA_DIST, { INGIA_SIGNIN_LOCK_SECS: String(LOCK_SECS) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-console-'));
});
after(() => demo?.stop());

async function shoot(page, name) {
  if (!out) return;
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(out, `console-${name}-${w}x${h}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function signIn(page, password) {
  await page.goto(demo.base + '/console/signin');
  await page.getByLabel('Email').fill('ada@lagoslive.ng');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('an organizer sets up the team, an event and a gate phone in the console', async () => {
  const browser = await launchChromium();
  const camera = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('dialog', (d) => d.accept());

    // The owner's one-time link: the code rides in the fragment and fills the form.
    assert.ok(demo.consoleOwner, 'the demo prints the console owner link');
    await page.goto(demo.consoleOwner);
    assert.match(await page.getByLabel('Invite code').inputValue(), /^ingi_[0-9a-f]{64}$/);
    assert.equal(new URL(page.url()).hash, '', 'the code leaves the address bar');
    await page.getByLabel('Your name').fill('Ada Obi');
    await page.getByLabel('Email').fill('ada@lagoslive.ng');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('heading', { name: 'Your events' }).waitFor();
    assert.ok(await page.getByText('Demo organizers').isVisible());
    // The link worked once.
    const again = await browser.newPage();
    await again.goto(demo.consoleOwner);
    await again.getByLabel('Your name').fill('Mallory');
    await again.getByLabel('Email').fill('mallory@example.com');
    await again.getByLabel('Password').fill('another long password');
    await again.getByRole('button', { name: 'Join' }).click();
    await again.getByText(/unknown, used or expired/).waitFor();
    await again.close();

    // Sign out, then five wrong passwords lock the account with a plain message.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    for (let i = 0; i < 4; i++) {
      await signIn(page, 'wrong password ' + i);
      await page.getByText('wrong email or password').waitFor();
    }
    await signIn(page, 'wrong password 5');
    await page.getByText(/too many wrong passwords: this account is locked until \d\d:\d\d UTC/).waitFor();
    const lockedAt = Date.now();
    // The right password waits out the lock.
    await signIn(page, PASSWORD);
    await page.getByText(/too many wrong passwords/).waitFor();
    await page.waitForTimeout(Math.max(0, LOCK_SECS * 1000 + 300 - (Date.now() - lockedAt)));
    await signIn(page, PASSWORD);
    await page.getByRole('heading', { name: 'Your events' }).waitFor();

    // A new event: two gates, two ticket types with their policies, in Lagos time.
    await page.getByRole('link', { name: 'New event' }).click();
    await page.locator('input[name=name]').fill('Eko Jazz Night');
    await page.getByLabel('Venue').fill('Freedom Park, Lagos Island');
    await page.getByLabel('Time zone').fill('Africa/Lagos');
    await page.getByLabel('Starts').fill('2027-01-15T19:00');
    await page.getByLabel('Ends').fill('2027-01-15T23:30');
    await page.getByLabel('Gates, one per line').fill('North gate\nSouth gate');
    const types = page.locator('.type');
    await types.nth(0).getByLabel('Name').fill('General');
    await types.nth(1).getByLabel('Name').fill('VIP');
    await types.nth(1).getByLabel(/Re-entry/).check();
    await types.nth(1).getByLabel(/Live code/).check();
    await types.nth(1).getByLabel(/Gates \(comma/).fill('South gate');
    await page.getByRole('button', { name: 'Create the event' }).click();
    await page.getByRole('heading', { name: 'Eko Jazz Night' }).waitFor();
    const summary = await page.locator('main').textContent();
    assert.match(summary, /Fri 15 Jan 2027, 19:00 WAT to Fri 15 Jan 2027, 23:30 WAT/);
    assert.match(summary, /North gate.*South gate/s);
    assert.match(summary, /VIP · live code · re-entry\s*Gates: South gate/);
    await shoot(page, 'event');

    // Pair a phone at the South gate: the console shows the QR, the phone's camera reads it.
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByLabel('Gate').selectOption({ label: 'South gate' });
    await page.getByLabel('Role').selectOption('steward');
    await page.getByRole('button', { name: 'Show its pairing QR' }).click();
    const svg = await page.locator('#pairing-qr svg').evaluate((el) => el.outerHTML);
    const video = await writeVideo(path.join(dir, 'console-pairing.y4m'), [{ blank: 1 }, { svg, seconds: 1.5 }, { blank: 4 }]);
    const phoneBrowser = await launchWithCamera(video);
    camera.push(phoneBrowser);
    const phone = await (await phoneBrowser.newContext({ permissions: ['camera'] })).newPage();
    await phone.goto(demo.base + '/');
    await phone.getByTestId('scan-pairing').click();
    await phone.getByTestId('pin').waitFor({ timeout: 30_000 });
    await openSheet(phone, 'gate');
    assert.equal(await phone.getByTestId('gate').textContent(), 'South gate');

    // The device list: paired, its role and gate, its last contact.
    await page.getByRole('link', { name: 'Done' }).click();
    const card = page.locator('.devices li').last();
    await card.getByText('paired', { exact: true }).waitFor();
    assert.match(await card.textContent(), /Steward at South gate/);
    assert.match(await card.locator('.contact').textContent(), /Last contact: just now/);
    await card.getByLabel(/Name of device/).fill('South phone 1');
    await card.getByRole('button', { name: 'Rename' }).click();
    await page.locator('.devices li').last().getByText('South phone 1').waitFor();
    await shoot(page, 'devices');

    // Revoke: the phone's next contact is refused and its screen says so.
    await page.locator('.devices li').last().getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.devices li').last().getByText('revoked', { exact: true }).waitFor();
    await phone.reload();
    await phone.getByTestId('erased').waitFor({ timeout: 20_000 });
    assert.match(await phone.getByTestId('erased').textContent(), /removed from the event by its organizer/);

    // Every step is in the audit log, with who did it.
    await page.getByRole('link', { name: 'Audit' }).click();
    const audit = await page.locator('.audit').textContent();
    for (const action of ['event.create', 'device.pair', 'device.rename', 'device.revoke']) {
      assert.match(audit, new RegExp(`${action.replace('.', '\\.')}[^]*?by Ada Obi \\(account \\d+\\)`), action);
    }
  } finally {
    for (const b of camera) await b.close();
    await browser.close();
  }
});

test('a form another site posts to the console is refused', async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, PASSWORD);
    await page.getByRole('heading', { name: 'Your events' }).waitFor();
    const org = (await page.getByRole('link', { name: 'New event' }).getAttribute('href')).match(/orgs\/(\d+)/)[1];
    // A page on another site posts a form at the console, as a malicious link would.
    const evil = http.createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${demo.base}/console/orgs/${org}/events">` +
        '<input name="name" value="Forged"><input name="csrf" value="guessed"></form>');
    });
    await new Promise((resolve) => evil.listen(0, '127.0.0.2', resolve));
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/console/orgs/${org}/events`)),
      page.goto(`http://127.0.0.2:${evil.address().port}/`).then(() => page.locator('form').evaluate((f) => f.submit())),
    ]);
    evil.close();
    assert.equal(resp.status(), 403);
    assert.match(await page.locator('main').textContent(), /did not come from the console/);
    // Nothing was made.
    await page.goto(demo.base + '/console');
    assert.equal(await page.getByText('Forged').count(), 0);
  } finally {
    await browser.close();
  }
});
