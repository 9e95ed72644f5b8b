// Kiosk self check-in through the fake camera: staff set the exit PIN, an attendee's code is
// welcomed by name, the screen resets by itself, a forgery is turned away, the badge prints
// (print stylesheet, screenshot kept in the test output), and only the PIN gets staff out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchWithCamera, recordVerdicts, verdicts } from './server.mjs';
import { writeVideo, forge, qrSvg } from './video.mjs';

let demo;
before(async () => {
  demo = await startDemo(30);
});
after(() => demo?.stop());

const output = process.env.INGIA_TEST_OUTPUT || fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-e2e-output-'));

test('the kiosk welcomes, resets, refuses, prints a badge, and lets staff out only with the PIN', async () => {
  const printed = demo.tickets().find((t) => t.ticket === 7);
  const svg = fs.readFileSync(path.join(demo.dataDir, 'tickets', 'ticket-000007.svg'), 'utf8');
  const walletAnswer = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: demo.tickets().find((t) => t.ticket === 14).wallet.split('#')[1] }) });
  const forged = forge((await walletAnswer.json()).credential);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-kiosk-'));
  const video = await writeVideo(path.join(dir, 'kiosk.y4m'), [
    { blank: 1 }, { svg, seconds: 1 }, { blank: 5 }, { svg: qrSvg(forged), seconds: 1 }, { blank: 8 },
  ]);
  const browser = await launchWithCamera(video);
  try {
    const context = await browser.newContext({ permissions: ['camera'], viewport: { width: 1024, height: 768 } });
    await recordVerdicts(context);
    const page = await context.newPage();
    await page.goto(demo.kiosk);
    // First start: staff choose the exit PIN; too short is refused.
    await page.getByTestId('kiosk-pin').fill('12');
    await page.getByTestId('kiosk-pin').press('Enter');
    await page.getByTestId('kiosk-message').getByText('4 to 8 digits').waitFor();
    await page.getByTestId('kiosk-pin').fill('2468');
    await page.getByTestId('kiosk-pin').press('Enter');
    await page.getByTestId('kiosk').waitFor();
    assert.equal(new URL(page.url()).pathname, '/kiosk');

    // The camera opens on the video's first frame: the attendee, then a forgery.
    const [welcome] = await verdicts(page, 1);
    assert.deepEqual([welcome.tone, welcome.title, welcome.holder], ['green', `Welcome, ${printed.holder}!`, 'Printed']);
    // The badge: hidden on screen, the whole page in print.
    assert.equal(await page.getByTestId('badge').isVisible(), false);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByTestId('badge').isVisible(), true);
    assert.equal(await page.getByTestId('verdict').isVisible(), false);
    assert.match(await page.getByTestId('badge').innerHTML(), new RegExp(`${printed.holder}.*Printed.*<svg`, 's'));
    const shot = path.join(output, 'kiosk-badge.png');
    await page.screenshot({ path: shot });
    console.log(`badge screenshot: ${shot}`);
    await page.emulateMedia({ media: 'screen' });
    // Back to ready by itself, then the forgery.
    await page.getByTestId('verdict').waitFor({ state: 'detached', timeout: 10_000 });
    const seen = await verdicts(page, 2);
    assert.deepEqual([seen[1].tone, seen[1].title, seen[1].detail], ['red', 'Fake ticket', 'Please see a member of staff']);

    // Staff: a long press on the corner, then the PIN. A wrong PIN keeps the kiosk locked.
    await page.getByTestId('verdict').waitFor({ state: 'detached', timeout: 10_000 });
    const corner = await page.getByTestId('kiosk-corner').boundingBox();
    const hold = async () => {
      await page.mouse.move(corner.x + 10, corner.y + 10);
      await page.mouse.down();
      await page.waitForTimeout(2_300);
      await page.mouse.up();
    };
    await page.mouse.click(corner.x + 10, corner.y + 10); // a tap does nothing
    await page.waitForTimeout(2_300);
    assert.equal(await page.getByTestId('kiosk-pin').count(), 0);
    await hold();
    await page.getByTestId('kiosk-pin').fill('1357');
    await page.getByTestId('kiosk-pin').press('Enter');
    await page.getByTestId('kiosk-message').getByText('Wrong PIN (4 tries left).').waitFor();
    await page.getByTestId('kiosk-pin').fill('2468');
    await page.getByTestId('kiosk-pin').press('Enter');
    await page.getByTestId('pin').waitFor(); // the staff desk (manual entry)
    await page.getByText(/0 pending · 2 synced/).waitFor({ timeout: 20_000 });
  } finally {
    await browser.close();
  }
});
