// Benchmark of a festival-sized event on a slow phone (issue 19, points 1 and 2), run by
// scripts/bench.sh against the release server and PWA. A 100,000-ticket demo; for each profile
// (CPU slowed 4x or 6x, by the DevTools protocol and by a CPU quota, see PROFILES; the network at
// DevTools' "Slow 4G" with Network.emulateNetworkConditions):
// - pairing to ready: the pairing link opened on a phone that had opened Ingia before (its files
//   kept), until the gate screen's PIN entry shows;
// - bytes on the wire for it (a counting proxy on loopback in front of the server);
// - the IndexedDB size (navigator.storage.estimate) and the renderer process's peak memory
//   (VmHWM: the page and its two workers, the engine and the decoder);
// - a decision: a typed PIN, and a QR's text typed by a hardware scanner, from the key to the
//   verdict on screen; capture to verdict through the fake camera;
// - name search on a supervisor's desk, from the keystroke to the results on screen;
// - CPU time per minute of an idle gate (a blank camera) and a busy one (codes in view),
//   from /proc: every process of the browser.
// Prints the numbers and rewrites one section of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, startProxy, launchChromium, openSheet, closeSheet, shellCached } from './server.mjs';
import { machine, writeSection } from './bench_report.mjs';
import { writeVideo } from './video.mjs';

const TICKETS = Number(process.env.INGIA_BENCH_TICKETS ?? 100_000);
// DevTools' "Slow 4G" preset (Chrome 125+): 1.6 Mbit/s down, 750 kbit/s up, 562.5 ms latency,
// each throughput times the 0.9 DevTools applies.
const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 };
// DevTools' CPU throttling slows the page's main thread only: Chromium refuses it for workers
// ("Operation is only supported for pages, not workers"), and the engine and the decoder are
// workers. So each rate is run twice: by the DevTools protocol, and with every process of the
// browser held to 1/rate of one core (a cgroup CPU quota, 10 ms periods), which slows the
// workers too (harsher than a phone: one slow core for everything).
const PROFILES = [4, 6].flatMap((rate) => [{ rate, how: 'devtools' }, { rate, how: 'quota' }])
  .filter((p) => !process.env.INGIA_BENCH_ONLY || process.env.INGIA_BENCH_ONLY === `${p.how}${p.rate}`);
const step = (what) => console.log(`${new Date().toISOString().slice(11, 19)} ${what}`);
const CGROUP = '/sys/fs/cgroup/cpu';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const f1 = (x) => x.toFixed(1);

/** The browser's processes (it and its descendants), from /proc. */
function processTree(pid) {
  const children = new Map();
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch { /* gone */ }
  }
  const all = [];
  const walk = (p) => { all.push(p); for (const c of children.get(p) ?? []) walk(c); };
  walk(pid);
  return all;
}
/** Chromium with the fake camera playing `video`, and the pid of its browser process (found by
 * a switch of its own on the command line, which Chromium ignores and passes on). */
async function launch(video) {
  const mark = `--ingia-bench=${process.pid}-${Date.now()}`;
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`, mark]);
  const pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => cmdline(p).includes(mark));
  const ppid = (p) => Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const root = pids.find((p) => !pids.includes(ppid(p)));
  if (!root) throw new Error('the browser process was not found');
  return { browser, pid: root };
}
const cmdline = (p) => { try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8'); } catch { return ''; } };
/** CPU seconds used so far by these processes (utime + stime). */
function cpuSeconds(pids) {
  const tick = 100; // USER_HZ on Linux
  return pids.reduce((sum, p) => {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + (Number(f[11]) + Number(f[12])) / tick;
    } catch { return sum; }
  }, 0);
}
/** The largest peak resident memory (VmHWM, MB) among the renderer processes. */
function rendererPeakMb(pid) {
  return max(processTree(pid).filter((p) => cmdline(p).includes('--type=renderer')).map((p) => {
    try { return Number(fs.readFileSync(`/proc/${p}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]) / 1024; } catch { return 0; }
  }));
}

/** In the page: from submitting the PIN to the verdict painted (ms). */
const timePin = (page, pin) => page.evaluate((pin) => new Promise((resolve) => {
  const input = document.querySelector('[data-testid=pin]');
  input.value = pin;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const t0 = performance.now();
  const seen = new MutationObserver(() => {
    if (!document.querySelector('[data-testid=verdict]')) return;
    seen.disconnect();
    requestAnimationFrame(() => resolve(performance.now() - t0));
  });
  seen.observe(document.body, { subtree: true, childList: true });
  input.form.requestSubmit();
}), pin);

/** In the page: a hardware scanner's burst of `text` + Enter, to the verdict painted (ms). */
const timeWedge = (page, text) => page.evaluate((text) => new Promise((resolve) => {
  document.activeElement?.blur();
  const seen = new MutationObserver(() => {
    if (!document.querySelector('[data-testid=verdict]')) return;
    seen.disconnect();
    requestAnimationFrame(() => resolve(performance.now() - t0));
  });
  seen.observe(document.body, { subtree: true, childList: true });
  for (const key of text) window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  const t0 = performance.now();
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}), text);

/** In the page: typing `query` into the name search, to a result naming `holder` painted (ms;
 * NaN after 30 s without it). */
const timeSearch = (page, query, holder) => page.evaluate(({ query, holder }) => new Promise((resolve) => {
  const input = document.querySelector('[data-testid=name-search]');
  const list = document.querySelector('[data-testid=search-results]');
  const t0 = performance.now();
  const found = () => [...list.querySelectorAll('li')].some((li) => li.textContent.includes(holder));
  const give = setTimeout(() => { seen.disconnect(); resolve(NaN); }, 30_000);
  const seen = new MutationObserver(() => {
    if (!found()) return;
    seen.disconnect();
    clearTimeout(give);
    requestAnimationFrame(() => resolve(performance.now() - t0));
  });
  seen.observe(list, { subtree: true, childList: true, characterData: true });
  input.value = query;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}), { query, holder });

async function dismiss(page) {
  await page.getByTestId('verdict').click();
  await page.getByTestId('verdict').waitFor({ state: 'detached' });
}

async function credential(demo, t) {
  const r = await fetch(demo.base + '/api/wallet', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: t.wallet.split('#')[1] }) });
  return (await r.json()).credential;
}

/** Holds the browser (every process it has and will start) to 1/rate of one core; a function
 * that lets it go. Null where cgroups cannot be written (not root, no cpu controller). */
function quota(pid, rate) {
  const dir = path.join(CGROUP, `ingia-bench-${process.pid}-${rate}`);
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), '10000');
    fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(10000 / rate)));
    for (const p of processTree(pid)) fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(p));
  } catch (e) {
    console.log(`no CPU quota (${e.message}): skipping the quota rows`);
    return null;
  }
  return () => {
    for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try { fs.writeFileSync(path.join(CGROUP, 'cgroup.procs'), p); } catch { /* gone */ }
    }
    fs.rmdirSync(dir);
  };
}

/** Pairs a phone through the throttled network; returns its page and what the pairing cost. */
async function pair(browser, proxy, link, profile) {
  const context = await browser.newContext({ permissions: ['camera'] });
  await context.addInitScript(() => localStorage.setItem('ingia.camera', 'off'));
  const page = await context.newPage();
  await page.goto(proxy.base + '/');
  await page.getByText('This device is not paired').waitFor({ timeout: 60_000 });
  await shellCached(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  if (profile.how === 'devtools') await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.rate });
  const bytes0 = proxy.bytes();
  const requests0 = proxy.requests().length;
  const t0 = Date.now();
  await page.goto(link.replace(/^http:\/\/[^/]+/, proxy.base));
  await page.getByTestId('pin').waitFor({ timeout: 600_000 });
  const readyS = (Date.now() - t0) / 1000;
  const wire = proxy.bytes() - bytes0;
  const heavy = proxy.requests().slice(requests0).filter((r) => r.bytes > 20_000);
  console.log(`pairing: ${wire} bytes; answers over 20 kB: ${heavy.map((r) => `${r.request} ${r.bytes}`).join(', ')}`);
  const storage = await page.evaluate(() => navigator.storage.estimate());
  return { context, page, cdp, readyS, wire, idb: storage.usageDetails?.indexedDB ?? storage.usage };
}

const demo = await startDemo(TICKETS);
const proxy = await startProxy(demo.base, { bytesPerSec: 1e12 });
const today = new Date().toISOString().slice(0, 10);
const tickets = demo.tickets();
const printed = tickets.filter((t) => t.ticket % 7 === 0 && t.ticket % 10 !== 0);
const svgOf = (t) => fs.readFileSync(path.join(demo.dataDir, 'tickets', `ticket-${String(t.ticket).padStart(6, '0')}.svg`), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingia-scale-'));
// The camera: 8 printed codes (each 1 s, a blank second between), then 80 s of blank: a gate
// with a queue, then an idle one.
const shown = printed.slice(0, 8);
const scenes = [{ blank: 1 }];
for (const t of shown) scenes.push({ svg: svgOf(t), seconds: 1 }, { blank: 1 });
scenes.push({ blank: 80 });
// At 30 frames a second, as a phone's camera delivers them (the idle pump's saving is against
// that rate; about 1.3 GB of raw frames, mapped by Chromium's fake camera).
const video = await writeVideo(path.join(dir, 'scale.y4m'), scenes, 30);
const rows = [];
const cpuRows = [];
try {
  for (const profile of PROFILES) {
    const { browser, pid } = await launch(video);
    let release = null;
    try {
      if (profile.how === 'quota' && !(release = quota(pid, profile.rate))) continue;
      step(`${profile.how} ${profile.rate}x: pairing a steward`);
      const steward = await pair(browser, proxy, demo.newPairing(), profile);
      const { page, cdp } = steward;
      // The page thread's task time, as the DevTools protocol's metrics count it.
      await cdp.send('Performance.enable');
      const taskS = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
      const peakAfterPairing = rendererPeakMb(pid);
      // Opening the gate again (the app reloaded: the stored manifest read and decoded).
      const r0 = Date.now();
      await page.reload();
      await page.getByTestId('pin').waitFor({ timeout: 120_000 });
      const reopenS = (Date.now() - r0) / 1000;
      // The engine worker of the reopened page.
      const engine = page.workers().find((w) => w.url().includes('engine-loader'));
      const engineMb = async () => (await engine.evaluate(() => self.ingiaEngine.memory.buffer.byteLength)) / 1048576;
      step(`ready in ${steward.readyS} s, reopened in ${reopenS} s; decisions`);
      // Decisions: PINs of printed tickets spread over the event, and QR texts by "hardware scanner".
      const pinTimes = [];
      const qrTimes = [];
      for (const t of printed.slice(-40, -30)) { pinTimes.push(await timePin(page, t.pin)); await dismiss(page); }
      for (const t of printed.slice(-30, -20)) { qrTimes.push(await timeWedge(page, await credential(demo, t))); await dismiss(page); }
      const peakDecisions = rendererPeakMb(pid);
      const engineAfter = await engineMb();
      step('the camera: busy, then idle');
      // Capture to verdict, and the CPU of a busy then an idle gate.
      const pids = processTree(pid);
      const renderers = pids.filter((p) => cmdline(p).includes('--type=renderer'));
      await page.getByTestId('camera-toggle').click();
      const cpu0 = cpuSeconds(pids);
      const own0 = cpuSeconds(renderers);
      const task0 = await taskS();
      const busyFrom = Date.now();
      await page.waitForFunction((n) => (globalThis.ingiaCamera?.stats?.toVerdictMs?.length ?? 0) >= n, shown.length,
        { timeout: 120_000, polling: 500 }).catch(() => {});
      const busyS = (Date.now() - busyFrom) / 1000;
      const busyCpu = (cpuSeconds(pids) - cpu0) / busyS * 60;
      const busyOwn = (cpuSeconds(renderers) - own0) / busyS * 60;
      const busyTask = ((await taskS()) - task0) / busyS * 60;
      const stats = await page.evaluate(() => globalThis.ingiaCamera.stats);
      // The video's blank tail: the idle pump takes over after 8 s; measure a minute of it.
      await page.waitForTimeout(10_000);
      const idle0 = cpuSeconds(pids);
      const idleOwn0 = cpuSeconds(renderers);
      const idleTask0 = await taskS();
      await page.waitForTimeout(60_000);
      const idleTask = (await taskS()) - idleTask0;
      const idleCpu = cpuSeconds(pids) - idle0;
      const idleOwn = cpuSeconds(renderers) - idleOwn0;
      cpuRows.push({ profile, busyCpu, idleCpu, busyOwn, idleOwn, busyTask, idleTask, busyS });
      step('pairing a supervisor, name search');
      // Name search on a supervisor's desk (names in the clear; its own download).
      const sup = await pair(browser, proxy, demo.newPairing('Main gate', 'supervisor'), profile);
      await openSheet(sup.page, 'search', 60_000);
      const searchTimes = [];
      for (const t of tickets.filter((t) => t.ticket % 97 === 0).slice(0, 8)) {
        const [first, last] = t.holder.split(' ');
        searchTimes.push(await timeSearch(sup.page, `${last.slice(0, 4)} ${first.slice(0, 3)}`, t.holder));
      }
      await closeSheet(sup.page);
      const peakCamera = rendererPeakMb(pid);
      const row = { profile, readyS: steward.readyS, reopenS, wireMb: steward.wire / 1e6, idbMb: steward.idb / 1e6, peak: Math.max(peakAfterPairing, peakDecisions), peakCamera, engineMb: engineAfter,
        pin: median(pinTimes), pinMax: max(pinTimes), qr: median(qrTimes), qrMax: max(qrTimes),
        capture: stats.toVerdictMs.length ? median(stats.toVerdictMs) : NaN, captured: stats.toVerdictMs.length,
        search: median(searchTimes), searchMax: max(searchTimes), supReadyS: sup.readyS };
      console.log(JSON.stringify(row));
      rows.push(row);
    } finally {
      await browser.close();
      release?.();
    }
  }
} finally {
  proxy.close();
  demo.stop();
}

const label = (p) => (p.how === 'devtools' ? `${p.rate}x, DevTools (page thread)` : `${p.rate}x, quota (all processes)`);
const table = rows.map((r) => `| ${label(r.profile)} | ${f1(r.readyS)} | ${f1(r.reopenS)} | ${f1(r.wireMb)} | ${f1(r.idbMb)} | ${f1(r.engineMb)} | ${f1(r.peak)} (${f1(r.peakCamera)}) | `
  + `${f1(r.pin)} (max ${f1(r.pinMax)}) | ${f1(r.qr)} (max ${f1(r.qrMax)}) | ${f1(r.capture)} (${r.captured}/${shown.length}) | `
  + `${f1(r.search)} (max ${f1(r.searchMax)}) |`).join('\n');
const pct = (a, b) => `${(a / b * 100).toFixed(0)}%`;
const cpuTable = cpuRows.map((r) => `| ${label(r.profile)} | ${f1(r.busyTask)} | ${f1(r.idleTask)} | ${pct(r.idleTask, r.busyTask)} | `
  + `${f1(r.busyOwn)} | ${f1(r.idleOwn)} | ${pct(r.idleOwn, r.busyOwn)} | `
  + `${f1(r.busyCpu)} | ${f1(r.idleCpu)} | ${pct(r.idleCpu, r.busyCpu)} |`).join('\n');
writeSection('scale', `## A 100,000-ticket event on a slow phone (Chromium: DevTools throttling and a CPU quota)\n\n`
  + `Command: \`bash scripts/bench.sh\` (\`node tests/e2e/scale_bench.mjs\`)  \n`
  + `Measured: ${today} on ${machine()}, Debian's Chromium, headless, release server and PWA.  \n`
  + `A ${TICKETS.toLocaleString('en')}-ticket demo event. Each row: the CPU slowed 4x or 6x, either by the DevTools `
  + `protocol's \`Emulation.setCPUThrottlingRate\` (which Chromium applies to the page's main thread only, not to `
  + `workers: the engine and the decoder run at full speed) or by a CPU quota on every process of the browser `
  + `(cgroup, 1/4 or 1/6 of one core in 10 ms periods: the workers too, harsher than a phone's several slow cores); `
  + `the network at DevTools' Slow 4G (1.44 Mbit/s down, 675 kbit/s up, 562.5 ms; `
  + `\`Network.emulateNetworkConditions\`) from the pairing on. Ready: the pairing link opened on a phone that had opened `
  + `Ingia before, to the gate screen (a steward's sealed manifest); reopen: the app reloaded, to the gate screen again (the stored manifest read and decoded). Bytes: on the wire for it (a counting proxy). Engine memory: `
  + `the engine worker's wasm memory after pairing, reopening and the decisions (it only grows: its peak). Renderer: `
  + `the renderer process's peak (VmHWM: the page and both workers) through pairing, reopening and the decisions; in brackets, `
  + `after the camera ran too (its frames are shared memory mapped into the renderer). Decisions from the key to the verdict painted `
  + `(median of 10; QR: the ticket's text typed by a hardware scanner); capture to verdict through the fake camera; `
  + `name search on a supervisor's desk (its own download), keystroke to results painted (median of 8). Goals: ready `
  + `within 60 s at 4x; a decision within 50 ms at 6x; memory under 150 MB; search under 200 ms at 4x.\n\n`
  + `| profile | ready s | reopen s | MB on the wire | IndexedDB MB | engine worker's memory MB | renderer peak MB (with the camera) | PIN decision ms | QR decision ms | capture to verdict ms | name search ms |\n`
  + `|---|---|---|---|---|---|---|---|---|---|---|\n${table}\n\n`
  + `### Battery: CPU time per minute of a gate\n\n`
  + `The page thread's task time from the DevTools protocol's metrics (\`Performance.getMetrics\`, TaskDuration: `
  + `the camera pump, the screens; the decoder and engine workers are not in it); from /proc, the renderer process (the page and both workers: what Ingia's code spends) and every process of the `
  + `browser (also the GPU process and the fake camera's capture, which reads the video file whatever the page does); a busy gate `
  + `(a code in front of the camera every other second, all read) against an idle one (a blank camera for a minute, `
  + `after the idle pump's 8 s). Goal: idle under a quarter of busy.\n\n`
  + `| CPU | page thread busy, task s per minute | page idle | idle / busy | renderer busy, CPU s per minute | renderer idle | idle / busy | all processes busy | all idle | idle / busy |\n`
  + `|---|---|---|---|---|---|---|---|---|---|\n${cpuTable}\n`);
