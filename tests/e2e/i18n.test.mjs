// The gate screens in six languages (issue 18). Each language is chosen the way a steward's phone
// chooses it: the browser's preferred language (Playwright's `locale`), or the picker. For each
// one: the scanner's screens (unpaired, the desk, its sheets, the verdicts) show no English
// sentence of the catalogue (crates/ingia-core/src/i18n/en.rs, console/en.rs for the console;
// names, codes and numbers aside);
// the verdicts (admit, already checked in, a forged QR) in Arabic and Amharic at 360x740 fit
// their boxes, screenshots in the test output; Arabic is mirrored (the controls and the buttons on
// the other side); a steward switches to French mid-shift and reloads: still French, still paired,
// nothing lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, launchWithCamera, openSheet, closeSheet, typePin, dismissVerdict } from './server.mjs';
import { writeVideo, forge, qrSvg } from './video.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.env.INGIA_TEST_OUTPUT || fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-i18n-'));
let demo;
let browser;
let pins;

/** Every sentence of a catalogue file, templates cut at their placeholders into fixed pieces. */
function catalogue(tag, console = false) {
  const dir = path.join(here, '../../crates/ingia-core/src/i18n');
  const src = fs.readFileSync(path.join(dir, `${tag}.rs`), 'utf8')
    + (console ? fs.readFileSync(path.join(dir, 'console', `${tag}.rs`), 'utf8') : '');
  const pieces = new Set();
  for (const [, literal] of src.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const text = JSON.parse(`"${literal}"`);
    for (const piece of text.split(/\{[a-z]+\}/)) {
      const t = piece.trim().replace(/^[\s:;,.·()!]+|[\s:;,.·()!]+$/g, '');
      if (t.length >= 4) pieces.add(t);
    }
  }
  return pieces;
}
/** The English sentences `text` shows that the language's own catalogue does not also use (the
 * console's table too when `console`: a gate page's data may be named like its defaults). */
function englishIn(text, tag, console = false) {
  const english = catalogue('en', console);
  const own = catalogue(tag, console);
  const plain = text.replace(/[\u2068\u2069]/g, '');
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...english].filter((s) => ![...own].some((o) => o.includes(s))
    && new RegExp(`(^|[^\\p{L}])${escape(s)}($|[^\\p{L}])`, 'u').test(plain));
}

async function visibleText(page) {
  return page.evaluate(() => document.body.innerText);
}

before(async () => {
  demo = await startDemo(80);
  const tickets = demo.tickets();
  // Printed tickets (7, 14, ...) are admitted by PIN.
  pins = tickets.filter((t) => t.ticket % 7 === 0 && t.ticket % 10 !== 0).map((t) => t.pin);
  const token = tickets.find((t) => t.ticket === 1).wallet.split('#')[1];
  const r = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }) });
  const forged = forge((await r.json()).credential);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-i18n-video-'));
  browser = await launchWithCamera(await writeVideo(path.join(dir, 'forged.y4m'),
    [{ blank: 1 }, { svg: qrSvg(forged), seconds: 2 }, { blank: 20 }]));
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

/** A steward's phone in `locale`, paired at the Main gate, camera off until asked. */
async function gate(locale, viewport = { width: 360, height: 740 }) {
  const context = await browser.newContext({ locale, viewport, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    permissions: ['camera'] });
  await context.addInitScript(() => localStorage.setItem('ingia.camera', 'off'));
  const page = await context.newPage();
  await page.goto(demo.newPairing('Main gate', 'steward'));
  await page.getByTestId('pin').waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=sync-status]')?.textContent.trim());
  return { context, page };
}

/** Types a PIN; returns the verdict's tone once it shows (the verdict stays on screen). */
async function check(page, pin) {
  return (await typePin(page, pin)).tone;
}

const dismiss = dismissVerdict;

/** Every text of the verdict inside its box and the screen: nothing cut, nothing overflowing. */
async function verdictFits(page, what) {
  const problems = await page.evaluate(() => {
    const bad = [];
    const screen = { w: window.innerWidth, h: window.innerHeight };
    for (const el of document.querySelectorAll('[data-testid=verdict] p')) {
      if (!el.textContent.trim()) continue;
      const r = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) bad.push(`${el.className} overflows`);
      if (r.left < -0.5 || r.top < -0.5 || r.right > screen.w + 0.5 || r.bottom > screen.h + 0.5) bad.push(`${el.className} off screen`);
    }
    return bad;
  });
  assert.deepEqual(problems, [], what);
}

const LANGS = [['fr-FR', 'fr'], ['sw-KE', 'sw'], ['pt-AO', 'pt'], ['ar-EG', 'ar'], ['am-ET', 'am']];

for (const [locale, tag] of LANGS) {
  test(`${tag}: the scanner's screens show no English sentence`, async () => {
    // Unpaired: the first screen a new phone shows.
    const fresh = await browser.newContext({ locale });
    const first = await fresh.newPage();
    await first.goto(demo.base + '/');
    await first.getByTestId('scan-pairing').waitFor({ timeout: 20_000 });
    assert.equal(await first.evaluate(() => document.documentElement.lang), tag);
    assert.equal(await first.evaluate(() => document.documentElement.dir), tag === 'ar' ? 'rtl' : 'ltr');
    const seen = { unpaired: await visibleText(first) };
    await fresh.close();

    const { context, page } = await gate(locale);
    seen.desk = await visibleText(page);
    // The status line says everything at 360 px: nothing cut at either side.
    for (const id of ['sync-status', 'as-of']) {
      const b = await page.getByTestId(id).boundingBox();
      assert.ok(b.x >= -0.5 && b.x + b.width <= 360.5, `${tag} ${id} is cut: ${JSON.stringify(b)}`);
    }
    assert.equal(await check(page, pins[LANGS.findIndex(([, t]) => t === tag)]), 'green');
    seen.admitted = await visibleText(page);
    await dismiss(page);
    assert.equal(await check(page, pins[LANGS.findIndex(([, t]) => t === tag)]), 'amber');
    seen.again = await visibleText(page);
    await dismiss(page);
    assert.equal(await check(page, '000000'), 'red');
    seen.unknown = await visibleText(page);
    await dismiss(page);
    for (const tab of ['search', 'recent', 'gate']) {
      await openSheet(page, tab);
      seen[tab] = await visibleText(page);
      // Longer words do not push the sheet sideways at 360 px.
      const wide = await page.evaluate(() => [...document.querySelectorAll('.sheet *')]
        .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => `${el.tagName}.${el.className}`));
      assert.deepEqual(wide, [], `${tag} ${tab} sheet overflows 360 px`);
    }
    await closeSheet(page);
    for (const [screen, text] of Object.entries(seen)) {
      assert.deepEqual(englishIn(text, tag), [], `${tag} ${screen} shows English:\n${text}`);
    }
    await context.close();
  });
}

for (const [locale, tag] of [['ar-EG', 'ar'], ['am-ET', 'am']]) {
  test(`${tag}: admit, already checked in and a forged QR fit a 360x740 screen`, async () => {
    const { context, page } = await gate(locale);
    const pin = pins[LANGS.length + (tag === 'ar' ? 0 : 1)];
    assert.equal(await check(page, pin), 'green');
    await verdictFits(page, `${tag} admit`);
    await page.screenshot({ path: path.join(out, `verdict-${tag}-admit-360.png`) });
    await dismiss(page);
    assert.equal(await check(page, pin), 'amber');
    await verdictFits(page, `${tag} already checked in`);
    await page.screenshot({ path: path.join(out, `verdict-${tag}-already-360.png`) });
    await dismiss(page);
    await page.getByTestId('camera-toggle').click(); // the fake camera's video starts: the forgery
    await page.locator('[data-testid=verdict][data-tone=red]').waitFor({ timeout: 30_000 });
    await verdictFits(page, `${tag} forged`);
    const title = await page.getByTestId('verdict-title').textContent();
    assert.equal(title, tag === 'ar' ? 'تذكرة مزورة' : 'ሐሰተኛ ትኬት');
    await page.screenshot({ path: path.join(out, `verdict-${tag}-forged-360.png`) });
    console.log(`# verdict screenshots: ${path.join(out, `verdict-${tag}-*-360.png`)}`);
    await context.close();
  });
}

test('Arabic mirrors the gate screen: the camera controls and the PIN button on the other side', async () => {
  const sides = {};
  for (const locale of ['en-US', 'ar-EG']) {
    const { context, page } = await gate(locale);
    const box = async (locator) => locator.boundingBox();
    const width = page.viewportSize().width;
    const toggle = await box(page.getByTestId('camera-toggle'));
    const input = await box(page.getByTestId('pin'));
    const button = await box(page.locator('.desk__manual button[type=submit]'));
    const search = await box(page.getByTestId('tab-search'));
    const gateTab = await box(page.getByTestId('tab-gate'));
    sides[locale] = {
      controlsRight: toggle.x + toggle.width / 2 > width / 2,
      buttonRightOfInput: button.x > input.x,
      searchFirst: search.x < gateTab.x,
    };
    await page.screenshot({ path: path.join(out, `gate-${locale}-360.png`) });
    if (locale === 'en-US') {
      // The control of the English check: an English screen is caught.
      const caught = englishIn(await visibleText(page), 'fr');
      assert.ok(caught.length >= 5, `the check sees English: ${caught}`);
    }
    await context.close();
  }
  assert.deepEqual(sides['en-US'], { controlsRight: true, buttonRightOfInput: true, searchFirst: true });
  assert.deepEqual(sides['ar-EG'], { controlsRight: false, buttonRightOfInput: false, searchFirst: false });
});

test('a steward switches to French mid-shift and reloads: still French, nothing lost', async () => {
  const { context, page } = await gate('en-US');
  const pin = pins[LANGS.length + 2];
  assert.equal(await check(page, pin), 'green');
  await dismiss(page);
  await openSheet(page, 'gate');
  await page.getByTestId('sheet').getByTestId('language').selectOption('fr');
  await page.waitForFunction(() => document.documentElement.lang === 'fr', null, { timeout: 20_000 });
  await page.getByTestId('pin').waitFor({ timeout: 20_000 });
  await page.reload();
  await page.getByTestId('pin').waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await page.getByTestId('tab-search').textContent(), 'Chercher');
  // The admission before the switch is still this gate's: listed, and the same PIN is refused.
  await openSheet(page, 'recent');
  await page.getByTestId('recent').getByText('Entré').first().waitFor({ timeout: 10_000 });
  await closeSheet(page);
  assert.equal(await check(page, pin), 'amber');
  assert.equal(await page.getByTestId('verdict-title').textContent(), 'Déjà entré');
  assert.match(await page.getByTestId('verdict-detail').textContent(), /^à \d\d:\d\d, Main gate, appareil \d+$/);
  await dismiss(page);
  await page.waitForFunction(() => /envoyé/.test(document.querySelector('[data-testid=sync-status]').textContent));
  await context.close();
});

test('a kiosk visitor picks French on the ready screen; the next visitor starts in the event\'s language', async () => {
  const token = demo.tickets().find((t) => t.ticket === 2).wallet.split('#')[1];
  const r = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }) });
  const forged = forge((await r.json()).credential);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-i18n-kiosk-'));
  const kioskBrowser = await launchWithCamera(await writeVideo(path.join(dir, 'late-forgery.y4m'),
    [{ blank: 10 }, { svg: qrSvg(forged), seconds: 2 }, { blank: 40 }]));
  try {
    const context = await kioskBrowser.newContext({ locale: 'en-US', permissions: ['camera'],
      viewport: { width: 800, height: 1280 } });
    const page = await context.newPage();
    await page.goto(demo.newPairing('Main gate', 'kiosk'));
    await page.getByTestId('kiosk-pin').fill('2468');
    await page.getByTestId('kiosk-pin').press('Enter');
    await page.getByTestId('kiosk-langs').waitFor({ timeout: 20_000 });
    // Each language is offered named in itself.
    assert.deepEqual(await page.getByTestId('kiosk-langs').locator('button').allTextContents(),
      ['English', 'Français', 'Kiswahili', 'Português', 'العربية', 'አማርኛ']);
    // Each language's ready screen says nothing in English.
    for (const [name, tag] of [['Kiswahili', 'sw'], ['Português', 'pt'], ['العربية', 'ar'], ['አማርኛ', 'am']]) {
      await page.getByTestId('kiosk-langs').getByText(name).click();
      await page.waitForFunction((l) => document.documentElement.lang === l, tag);
      const text = await visibleText(page);
      assert.deepEqual(englishIn(text, tag), [], `${tag} kiosk shows English:\n${text}`);
    }
    await page.getByTestId('kiosk-langs').getByText('Français').click();
    assert.equal(await page.getByTestId('kiosk-prompt').textContent(), 'Présentez le QR code de votre billet à la caméra');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    // The forgery comes into view: the engine answers in the visitor's language.
    const verdict = page.locator('[data-testid=verdict][data-tone=red]');
    await verdict.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('verdict-title').textContent(), 'Faux billet');
    assert.equal(await page.getByTestId('verdict-detail').textContent(), 'Adressez-vous à un membre du personnel');
    await page.screenshot({ path: path.join(out, 'kiosk-fr-refused.png') });
    // The verdict clears by itself: the kiosk is back in the event's language for the next one.
    await verdict.waitFor({ state: 'detached', timeout: 15_000 });
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.getByTestId('kiosk-prompt').textContent(), "Hold your ticket's QR code up to the camera");
    assert.equal(await page.getByTestId('kiosk-langs').getByText('English').getAttribute('aria-pressed'), 'true');
    await context.close();
  } finally {
    await kioskBrowser.close();
  }
});

test('the wallet speaks its attendee\'s language (the demo\'s tickets 5, 15, 25, 35, 45), Arabic right to left', async () => {
  for (const [ticket, tag, title] of [[5, 'fr', 'Mes billets'], [15, 'sw', 'Tiketi zangu'], [25, 'pt', 'Os meus bilhetes'],
    [35, 'ar', 'تذاكري'], [45, 'am', 'ትኬቶቼ']]) {
    const t = demo.tickets().find((x) => x.ticket === ticket);
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(t.wallet);
    await page.getByTestId('wallet-ticket').waitFor({ timeout: 15_000 });
    await page.waitForFunction((l) => document.documentElement.lang === l, tag);
    assert.equal(await page.evaluate(() => document.documentElement.dir), tag === 'ar' ? 'rtl' : 'ltr');
    assert.ok((await page.locator('.shell__title').textContent()).includes(title));
    const text = await visibleText(page);
    assert.deepEqual(englishIn(text, tag), [], `${tag} wallet shows English:\n${text}`);
    await page.screenshot({ path: path.join(out, `wallet-${tag}-360.png`) });
    await context.close();
  }
});

/** The demo's own data (names the organizer typed), which no catalogue translates. */
const DATA = ['Afrobeats Live (demo)', 'Eko Convention Centre, Lagos', 'Main gate', 'VIP gate', 'Demo organizers',
  'General', 'Printed', 'VIP', 'Ada Obi'];

/** A console page's visible text without its data: the audit's entries (records as written),
 * attendees' and devices' names, the demo's names. */
async function consoleText(page) {
  const text = await page.evaluate(() => {
    const body = document.body.cloneNode(true);
    for (const el of body.querySelectorAll('.audit li, .attendees li a.title, .preview li, input, textarea, datalist, .who, script, style')) el.remove();
    // innerText of a detached tree ignores layout: put it back hidden to read it as shown.
    body.style.display = 'none';
    document.documentElement.append(body);
    const t = body.innerText || body.textContent;
    body.remove();
    return t;
  });
  return DATA.reduce((t, d) => t.split(d).join(' '), text);
}

test('the organizer console, its live board, report and token dashboard in each language: no English, Arabic right to left, nothing wider than 360 px', async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(demo.consoleOwner);
  await page.getByLabel('Your name').fill('Ada Obi');
  await page.getByLabel('Email').fill('ada@lagoslive.ng');
  await page.getByLabel('Password').fill('kola nut and palm wine');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('heading', { name: 'Your events' }).waitFor();
  const event = demo.eventId();
  const org = await page.locator('a[href$="/members"]').first().getAttribute('href').then((h) => h.split('/')[3]);
  const ticket = demo.tickets()[1].ticket;
  const pages = {
    home: '/console',
    event: `/console/events/${event}`,
    live: `/console/events/${event}/live`,
    report: `/console/events/${event}/report`,
    attendees: `/console/events/${event}/attendees`,
    attendee: `/console/events/${event}/attendees/${ticket}`,
    devices: `/console/events/${event}/devices`,
    audit: `/console/orgs/${org}/audit`,
    team: `/console/orgs/${org}/members`,
    keys: `/console/orgs/${org}/keys`,
    'new event': `/console/orgs/${org}/events/new`,
  };
  for (const [, tag] of LANGS) {
    // The picker, on the page it is used on: it applies itself and comes back.
    await page.goto(demo.base + pages.event);
    await page.locator('form.lang select').selectOption(tag);
    await page.waitForFunction((l) => document.documentElement.lang === l, tag);
    assert.equal(new URL(page.url()).pathname, pages.event);
    assert.equal(await page.evaluate(() => document.documentElement.dir), tag === 'ar' ? 'rtl' : 'ltr');
    for (const [name, href] of Object.entries(pages)) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(demo.base + href);
      await page.waitForFunction((l) => document.documentElement.lang === l, tag);
      for (const d of await page.locator('details').all()) await d.evaluate((el) => { el.open = true; });
      const text = await consoleText(page);
      assert.deepEqual(englishIn(text, tag, true), [], `${tag} console ${name} shows English:\n${text}`);
      await page.setViewportSize({ width: 360, height: 740 });
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 361, `${tag} console ${name} is ${wide} px wide at 360`);
      if (tag === 'ar' || tag === 'am') await page.screenshot({ path: path.join(out, `console-${tag}-${name.replace(' ', '-')}-360.png`), fullPage: true });
    }
    // The token dashboard follows the same choice (its cookie).
    await page.goto(`${demo.base}/dashboard#${demo.organizerToken}`);
    await page.waitForFunction(() => document.getElementById('updated').textContent !== '');
    const text = await consoleText(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), tag);
    assert.deepEqual(englishIn(text, tag, true), [], `${tag} token dashboard shows English:\n${text}`);
  }
  // Arabic mirrors the console: the brand at the right, the trail's arrows turned.
  await page.goto(demo.base + pages.event);
  await page.locator('form.lang select').selectOption('ar');
  await page.waitForFunction(() => document.documentElement.lang === 'ar');
  await page.setViewportSize({ width: 1280, height: 800 });
  const brand = await page.locator('a.brand').boundingBox();
  assert.ok(brand.x > 640, `the brand sits on the right in Arabic: ${JSON.stringify(brand)}`);
  await context.close();
});
