// HTTPS as a venue laptop serves it: a certificate from scripts/venue_cert.sh for a name that is
// not localhost (so nothing is a secure context unless the certificate is really trusted), its
// authority installed in the browser's certificate store as a steward installs it on a phone
// (NSS here: Chromium on Linux reads it; Android's settings there). No certificate error is
// ignored. The scanner pairs over https://, keeps its files in the service worker, scans a
// printed code with the camera and syncs; plain HTTP is redirected; the pages' security headers
// are on and the Content Security Policy blocks nothing the app does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, recordVerdicts, verdicts, shellCached } from './server.mjs';
import { writeVideo } from './video.mjs';

const HOST = 'venue.test';
const repo = path.resolve(import.meta.dirname, '../..');
let demo;
let dir;
let home;
let tls;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-https-'));
  execFileSync('bash', [path.join(repo, 'scripts/venue_cert.sh'), path.join(dir, 'tls'), HOST, '127.0.0.1'],
    { stdio: 'ignore' });
  tls = { cert: path.join(dir, 'tls/cert.pem'), key: path.join(dir, 'tls/key.pem'), host: HOST };
  // The "phone": a home whose certificate store trusts the venue's authority, and nothing else added.
  home = path.join(dir, 'home');
  const nss = path.join(home, '.pki/nssdb');
  fs.mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'Ingia venue', '-t', 'C,,', '-i', path.join(dir, 'tls/ca.pem')]);
  demo = await startDemo(40, process.env.INGIA_DIST, {}, { tls });
});

after(() => demo?.stop());

/** A plain-HTTP request to the server's port (as a phone typing the address without https://). */
function plain(method, pathAndQuery) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: demo.port, method, path: pathAndQuery,
      headers: { host: `${HOST}:${demo.port}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '[]' : undefined);
  });
}

test('plain HTTP on the HTTPS port is redirected to the same address over https://', async () => {
  const page = await plain('GET', '/pair?from=poster');
  assert.equal(page.status, 308);
  assert.equal(page.location, `https://${HOST}:${demo.port}/pair?from=poster`);
  // A sync sent to http:// keeps its method and body on the way (308, not 301).
  const sync = await plain('POST', '/api/checkins');
  assert.equal(sync.status, 308);
  assert.equal(sync.location, `https://${HOST}:${demo.port}/api/checkins`);
});

test('the scanner pairs, works offline-ready and scans over https:// with the venue certificate', async () => {
  const printed = demo.tickets().map((t) => t.ticket).find((id) => id % 7 === 0 && id % 10 !== 0);
  const svg = fs.readFileSync(path.join(demo.dataDir, 'tickets', `ticket-${String(printed).padStart(6, '0')}.svg`), 'utf8');
  const video = await writeVideo(path.join(dir, 'scan.y4m'), [{ blank: 2 }, { svg, seconds: 2 }, { blank: 30 }]);
  const browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  { HOME: home });
  try {
    const context = await browser.newContext({ permissions: ['camera'] });
    await recordVerdicts(context);
    const page = await context.newPage();
    const blocked = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
    page.on('pageerror', (e) => blocked.push(String(e)));
    context.on('page', (p) => p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); }));
    assert.match(demo.pairSteward, new RegExp(`^https://${HOST.replace('.', '\\.')}:${demo.port}/`));
    const response = await page.goto(demo.pairSteward);
    const headers = response.headers();
    assert.match(headers['strict-transport-security'], /max-age=\d{7,}/);
    const csp = headers['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    await page.getByTestId('pin').waitFor({ timeout: 30_000 });
    const where = await page.evaluate(() => ({
      secure: isSecureContext,
      protocol: location.protocol,
      h2: performance.getEntriesByType('navigation')[0].nextHopProtocol,
    }));
    assert.deepEqual(where, { secure: true, protocol: 'https:', h2: 'h2' });
    // The service worker (a secure origin's only) keeps the app: it opens without the network.
    await shellCached(page);
    const [v] = await verdicts(page, 1, 40_000);
    assert.equal(v.tone, 'green', JSON.stringify(v));
    // The gate syncs over https:// (the browser's own fetch, under the page's CSP).
    await page.waitForFunction(async (token) => {
      const r = await fetch('/api/stats', { headers: { Authorization: 'Bearer ' + token } });
      return r.ok && (await r.json()).checked_in === 1;
    }, demo.organizerToken, { timeout: 30_000, polling: 500 });
    // The organizer's dashboard runs under its own policy too.
    const board = await context.newPage();
    board.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
    await board.goto(`${demo.base}/dashboard#${demo.organizerToken}`);
    await board.waitForFunction(() => document.getElementById('in').textContent === '1', null, { timeout: 15_000 });
    assert.ok(await board.evaluate(() => parseFloat(getComputedStyle(document.querySelector('header')).paddingTop) > 0),
      'the dashboard has its stylesheet');
    if (process.env.INGIA_TEST_OUTPUT) {
      await page.screenshot({ path: path.join(process.env.INGIA_TEST_OUTPUT, 'https-gate.png') });
    }
    assert.deepEqual(blocked, [], 'nothing blocked by the Content Security Policy, no page error');
    await context.close();
  } finally {
    await browser.close();
  }
});

test('a browser that does not trust the venue authority gets no page at all', async () => {
  // The same Chromium without the installed authority (its own empty home): the handshake fails,
  // so a look-alike laptop cannot stand in for the venue's server on phones that trust only it.
  const bare = path.join(dir, 'bare-home');
  fs.mkdirSync(bare, { recursive: true });
  const browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`], { HOME: bare });
  try {
    const page = await browser.newPage();
    await assert.rejects(page.goto(`${demo.base}/`), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await browser.close();
  }
});
