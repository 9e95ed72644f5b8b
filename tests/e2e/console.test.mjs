// The organizer console in Chromium against a real server and a real SMTP server on loopback
// (aiosmtpd): the owner's one-time link, the sign-in lockout (the server locks for 4 s here
// instead of 15 min), an event made with two gates and two ticket types, a phone paired by
// scanning the QR the console shows (the fake camera plays a video of that very code), the
// device list with its last contact, a move to another gate and a revoke the phone learns at
// its next contact; another
// shop's CSV (its bad row named, nothing imported, then mapped and imported without it), tickets
// issued and mailed (the mail's wallet link opens the wallet), a reissue (the old printed QR red
// at the gate after its sync, the new one green). Screenshots of the event page, the device
// list, the attendees and the mail at 1280x800 and 390x844 go to INGIA_TEST_OUTPUT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { launchChromium, launchWithCamera, openSheet, recordVerdicts, startDemo, verdicts } from './server.mjs';
import { writeVideo } from './video.mjs';

const PASSWORD = 'kola nut and palm wine';
const LOCK_SECS = 4;
let demo;
let dir;
let smtp;
let maildir;
const out = process.env.INGIA_TEST_OUTPUT;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-console-'));
  // A real SMTP server on loopback, delivering into a maildir.
  maildir = path.join(dir, 'mail');
  const port = await freePort();
  smtp = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
    { stdio: 'inherit' });
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => net.connect(port, '127.0.0.1').on('connect', function () { this.end(); resolve(true); })
      .on('error', () => resolve(false)));
    if (up) break;
    if (i > 100) throw new Error('aiosmtpd did not start (scripts/setup.sh smtp installs it)');
    await new Promise((r) => setTimeout(r, 100));
  }
  demo = await startDemo(20, process.env.INGIA_DIST, {
    INGIA_SIGNIN_LOCK_SECS: String(LOCK_SECS),
    INGIA_SMTP_URL: `smtp://127.0.0.1:${port}`,
    INGIA_MAIL_FROM: 'Lagos Live <tickets@lagoslive.ng>',
  });
});
after(() => { demo?.stop(); smtp?.kill(); });

/** The mails in the maildir (raw), waiting until there are `n`. */
async function mails(n, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const newDir = path.join(maildir, 'new');
    const files = fs.existsSync(newDir) ? fs.readdirSync(newDir) : [];
    if (files.length >= n) return files.map((f) => fs.readFileSync(path.join(newDir, f), 'utf8'));
    if (Date.now() > deadline) throw new Error(`wanted ${n} mails, the SMTP server has ${files.length}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The quoted-printable soft breaks and escapes undone, enough to read a link. */
const unfold = (mail) => mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

async function shoot(page, name) {
  if (!out) return;
  for (const [w, h] of [[1280, 800], [390, 844], [360, 740]]) {
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
    // On now, in Lagos (UTC+1): its tickets admit at the gate during the test.
    const lagos = (ms) => new Date(ms + 3_600_000).toISOString().slice(0, 16);
    await page.getByLabel('Starts').fill(lagos(Date.now() - 30 * 60_000));
    await page.getByLabel('Ends').fill(lagos(Date.now() + 5 * 3_600_000));
    await page.getByLabel('Gates, one per line').fill('North gate\nSouth gate');
    const types = page.locator('.type');
    await types.nth(0).getByLabel('Name').fill('General');
    // General tickets may be printed: a paper ticket admits at the gate (PIN and SMS are on by default).
    await types.nth(0).getByLabel(/Printed code/).check();
    await types.nth(1).getByLabel('Name').fill('VIP');
    await types.nth(1).getByLabel(/Re-entry/).check();
    // VIP: the live code only (every other way unchecked).
    for (const way of [/Printed code/, /PIN typed/, /SMS or USSD/]) assert.equal(await types.nth(1).getByLabel(way).isChecked(), false);
    await types.nth(1).getByLabel(/Gates \(comma/).fill('South gate');
    await shoot(page, 'event-form');
    await page.getByRole('button', { name: 'Create the event' }).click();
    await page.getByRole('heading', { name: 'Eko Jazz Night' }).waitFor();
    const summary = await page.locator('main').textContent();
    assert.match(summary, /\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d WAT to \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d WAT/);
    assert.match(summary, /North gate.*South gate/s);
    assert.match(summary, /General · live code, printed code, PIN at a gate, SMS\/USSD · one entry/);
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
    // Moved to the North gate: the phone learns it at its next sync and scans there.
    await page.locator('.devices li').last().getByLabel(/New gate of device/).selectOption({ label: 'North gate' });
    await page.locator('.devices li').last().getByRole('button', { name: 'Move' }).click();
    await page.locator('.devices li').last().getByText('Steward at North gate').waitFor();
    await phone.reload();
    let gateName = '';
    for (let i = 0; i < 20 && gateName !== 'North gate'; i++) {
      await phone.getByTestId('pin').waitFor({ timeout: 30_000 });
      await openSheet(phone, 'gate');
      gateName = await phone.getByTestId('gate').textContent();
      if (gateName !== 'North gate') await phone.waitForTimeout(1000);
    }
    assert.equal(gateName, 'North gate');
    await shoot(page, 'devices');

    // Revoke: the server ends the phone's live stream, its next contact is refused, and its
    // screen says so at once, with no reload.
    await page.locator('.devices li').last().getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.devices li').last().getByText('revoked', { exact: true }).waitFor();
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

/** A Chromium with its own profile on disk, so a paired phone can be started again with another camera video. */
function phone(profile, video) {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'];
  if (video) args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`);
  return chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args, permissions: ['camera'] });
}

const SHOP_CSV = 'Order Ref,First Name,Last Name,E-mail,Ticket Type\n' +
  'EJ-1,Ngozi,Eze,ngozi@example.ng,General\n' +
  'EJ-2,Kwame,Mensah,kwame@example.gh,Backstage\n' +
  'EJ-3,Amina,Bello,amina@example.ng,General\n';

test("attendees from another shop's CSV, tickets mailed, a reissue refused at the gate", async () => {
  const browser = await launchChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-phone-'));
  let gate;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('dialog', (d) => d.accept());
    await signIn(page, PASSWORD);
    await page.getByRole('link', { name: 'Eko Jazz Night' }).click();
    const eventUrl = page.url();
    // A gate phone paired at the North gate by link, before anything is issued.
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByLabel('Gate').selectOption({ label: 'North gate' });
    await page.getByRole('button', { name: 'Show its pairing QR' }).click();
    const pairLink = await page.getByLabel('Pairing link').inputValue();
    gate = await phone(profile);
    const g = gate.pages()[0] ?? await gate.newPage();
    await g.addInitScript(() => localStorage.setItem('ingia.camera', 'off'));
    await g.goto(pairLink);
    await g.getByTestId('pin').waitFor({ timeout: 30_000 });
    await gate.close();

    // The shop's export: its own headers, one bad row.
    await page.goto(eventUrl);
    await page.getByRole('link', { name: 'Attendees' }).click();
    await page.getByText('Import a CSV file').click();
    await page.getByLabel(/CSV file/).setInputFiles({ name: 'shop-export.csv', mimeType: 'text/csv', buffer: Buffer.from(SHOP_CSV) });
    await page.getByRole('button', { name: 'Upload and match columns' }).click();
    await page.getByRole('heading', { name: 'Import attendees' }).waitFor();
    // The name is split in two columns: each is matched by its header.
    assert.equal(await page.locator('select[name=map_first_name] option:checked').textContent(), 'First Name');
    assert.equal(await page.locator('select[name=map_ticket_type] option:checked').textContent(), 'Ticket Type');
    await page.getByRole('button', { name: 'Check and import' }).click();
    await page.getByText('Line 3: unknown ticket type `Backstage`').waitFor();
    await page.getByText(/nothing was imported/).waitFor();
    const list = await context.newPage();
    await list.goto(eventUrl + '/attendees');
    await list.getByText('0 attendees').waitFor();
    await list.close();
    await page.getByRole('button', { name: /Import the 2 good rows, skip the 1 bad/ }).click();
    await page.getByText('2 attendees imported.').waitFor();

    // Issue: each attendee's mail reaches the SMTP server, with a wallet link that opens the wallet.
    await page.getByRole('button', { name: 'Issue tickets to the 2 new attendees' }).click();
    await page.getByText('2 tickets issued').waitFor();
    const sent = await mails(2);
    const ngozi = unfold(sent.find((m) => m.includes('To: ngozi@example.ng')));
    assert.match(ngozi, /Subject: Your ticket: Eko Jazz Night/);
    const link = ngozi.match(/(http:\/\/127\.0\.0\.1:\d+\/wallet#w[0-9a-hjkmnp-tv-z]{26})/)[1];
    const html = ngozi.split(/Content-Type: text\/html; charset=utf-8\r?\n(?:Content-Transfer-Encoding: [^\r\n]+\r?\n)?\r?\n/)[1]?.split(/\r?\n--/)[0];
    const wallet = await context.newPage();
    await wallet.goto(link);
    await wallet.getByText('Ngozi Eze').waitFor({ timeout: 30_000 });
    await wallet.close();
    // The attendees list shows each mail as sent.
    await page.reload();
    await page.locator('.attendees li').first().getByText('mail: sent').waitFor({ timeout: 20_000 });
    await shoot(page, 'attendees');
    if (out && html) {
      const view = await context.newPage();
      await view.setContent(html.includes('<html') ? html : `<pre>${html}</pre>`);
      await shoot(view, 'mail');
      await view.close();
    }

    // Reissue Ngozi's ticket: her old printed QR is refused at the gate after its next sync.
    await page.getByRole('link', { name: 'Ngozi Eze' }).click();
    const oldTicket = page.url();
    await page.getByRole('link', { name: 'Printable ticket' }).click();
    const oldSvg = await page.locator('.ticket .qr svg').evaluate((el) => el.outerHTML);
    await page.goto(oldTicket);
    await page.getByRole('button', { name: 'Reissue' }).click();
    await page.getByText('Ngozi Eze').first().waitFor();
    assert.notEqual(page.url(), oldTicket, 'the new ticket has its own page');
    await page.getByRole('link', { name: 'Printable ticket' }).click();
    const newSvg = await page.locator('.ticket .qr svg').evaluate((el) => el.outerHTML);
    assert.notEqual(newSvg, oldSvg);
    // The new ticket's mail goes out too.
    await mails(3);

    const video = await writeVideo(path.join(dir, 'reissue.y4m'), [
      { blank: 3 }, { svg: oldSvg, seconds: 1.5 }, { blank: 1.5 }, { svg: newSvg, seconds: 1.5 }, { blank: 4 },
    ]);
    gate = await phone(profile, video);
    await recordVerdicts(gate);
    const p2 = gate.pages()[0] ?? await gate.newPage();
    await p2.addInitScript(() => localStorage.setItem('ingia.camera', 'on'));
    await p2.goto(demo.base + '/');
    const seen = await verdicts(p2, 2, 45_000);
    assert.deepEqual([seen[0].tone, seen[0].title], ['red', 'Ticket cancelled'], JSON.stringify(seen));
    assert.deepEqual([seen[1].tone, seen[1].title, seen[1].holder], ['green', 'Welcome', 'Ngozi Eze']);
  } finally {
    await gate?.close().catch(() => {});
    await browser.close();
  }
});
