// The gate screen on a budget phone's screen, held in one hand: the camera's scan box and the
// PIN entry are both on screen without scrolling, at 360x740 and 412x915; the lists are one tap
// away in a sheet. Screenshots of each go to the test output (INGIA_TEST_OUTPUT).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchWithCamera, openSheet, closeSheet } from './server.mjs';
import { writeVideo } from './video.mjs';

let demo;
let browser;
const out = process.env.INGIA_TEST_OUTPUT || fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-layout-'));

before(async () => {
  demo = await startDemo(40);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-layout-video-'));
  browser = await launchWithCamera(await writeVideo(path.join(dir, 'blank.y4m'), [{ blank: 20 }]));
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

/** Whether the element's whole box lies inside the viewport as it is (no scrolling). */
async function onScreen(page, locator) {
  const box = await locator.boundingBox();
  const { width, height } = page.viewportSize();
  return box !== null && box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5;
}

for (const [width, height] of [[360, 740], [412, 915]]) {
  test(`at ${width}x${height} the scan box and the PIN entry are on screen without scrolling`, async () => {
    const context = await browser.newContext({
      viewport: { width, height }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, permissions: ['camera'],
    });
    const page = await context.newPage();
    await page.goto(demo.newPairing('Main gate', 'supervisor'));
    await page.getByTestId('pin').waitFor({ timeout: 20_000 });
    await page.getByTestId('camera-state').getByText('inside the square').waitFor({ timeout: 20_000 });
    await page.getByText(/^0 pending/).waitFor({ timeout: 20_000 });
    for (const id of ['scan-box', 'pin', 'sync-status', 'as-of', 'camera-toggle', 'tab-search', 'tab-recent', 'tab-gate']) {
      assert.ok(await onScreen(page, page.getByTestId(id)), `${id} is not wholly on screen at ${width}x${height}`);
    }
    assert.ok(await onScreen(page, page.getByRole('button', { name: 'Check', exact: true })), 'the Check button');
    const scrolls = await page.evaluate(() => document.scrollingElement.scrollHeight > window.innerHeight
      || document.scrollingElement.scrollWidth > window.innerWidth);
    assert.equal(scrolls, false, 'the gate screen scrolls');
    // The scan box is most of the screen's width: a code is easy to aim at arm's length.
    const box = await page.getByTestId('scan-box').boundingBox();
    assert.ok(box.width >= width * 0.6, `scan box ${box.width} px wide on a ${width} px screen`);
    await page.screenshot({ path: path.join(out, `gate-${width}x${height}.png`) });

    // One tap opens each list; the sheet closes back to the camera.
    await openSheet(page, 'search');
    assert.ok(await onScreen(page, page.getByTestId('name-search')), 'the name search field');
    await page.getByTestId('name-search').fill('a');
    await page.getByTestId('search-results').locator('li').first().waitFor();
    await page.screenshot({ path: path.join(out, `gate-${width}x${height}-search.png`) });
    await openSheet(page, 'gate');
    assert.ok(await onScreen(page, page.getByTestId('staff-name')), 'the staff name control');
    await page.screenshot({ path: path.join(out, `gate-${width}x${height}-gate.png`) });
    await closeSheet(page);
    assert.ok(await onScreen(page, page.getByTestId('pin')));
    console.log(`# gate screenshots: ${path.join(out, `gate-${width}x${height}*.png`)}`);
    await context.close();
  });
}
