// The page's side of the gate engine worker (src/engine/): each request gets an id and a
// promise, unasked pushes go to the listeners. Messages are bytes (ingia_core::protocol, encoded
// and decoded in Rust); this file only frames them: `{ id, msg, lang }` to the engine (the page's
// language, for the sentences it writes), `{ id, msg }` back, `{ push }` from the engine. The worker is started on the first request and
// answers once it says `ready`; requests made before then wait in order. A worker that fails to
// load or traps is dropped: its waiting requests fail with a sentence for the steward, and the
// next request starts a fresh one that reopens the gate from IndexedDB before it is asked
// anything else (nothing is lost: every check-in was stored before its verdict was answered).

// The engine's entry (public/engine-loader.js; Trunk writes the engine beside it, index.html:
// `data-type="worker"`); scripts/sw_version.py keeps it with the pages that scan.
const ENGINE_URL = '/engine-loader.js';

let worker = null;
let ready = false;
let started = false; // a worker answered `ready` once: a later one is a restart
let queue = [];
let nextId = 1;
const waiting = new Map();
const listeners = new Map();
let nextListener = 1;
// The page's language and this file's two sentences in it (src/page/lang.rs sets them).
let lang = 'en';
let stopped = 'The scanner stopped unexpectedly; try again.';
let notLoaded = 'The scanner did not load: check the connection and try again.';
export function language(tag, stoppedText, notLoadedText) {
  lang = tag;
  stopped = stoppedText;
  notLoaded = notLoadedText;
}

function flush() {
  ready = started = true;
  for (const msg of queue) worker.postMessage(msg, [msg.msg.buffer]);
  queue = [];
}

function spawn() {
  ready = false;
  worker = new Worker(ENGINE_URL);
  worker.onmessage = ({ data }) => {
    if (data.failed) {
      fail();
    } else if (data.ready) {
      // A restart reopens the gate (id 0) before anything else is asked.
      if (started) worker.postMessage({ id: 0, reopen: true, lang });
      else flush();
    } else if (data.id === 0) {
      flush();
    } else if (data.push) {
      for (const f of listeners.values()) f(data.push);
    } else {
      const w = waiting.get(data.id);
      waiting.delete(data.id);
      if (w) w.ok(data.msg);
    }
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    fail();
  };
}

function fail() {
  if (!worker) return; // reported already
  const why = ready ? stopped : notLoaded;
  worker.terminate();
  worker = null;
  queue = [];
  for (const w of waiting.values()) w.no(why);
  waiting.clear();
}

// `bytes`: a Uint8Array, handed over to the worker (transferred, not copied).
export function call(bytes) {
  if (!worker) spawn();
  return new Promise((ok, no) => {
    const msg = { id: nextId++, msg: bytes, lang };
    waiting.set(msg.id, { ok, no });
    if (ready) worker.postMessage(msg, [bytes.buffer]);
    else queue.push(msg);
  });
}

export function listen(f) {
  listeners.set(nextListener, f);
  return nextListener++;
}

export function unlisten(id) {
  listeners.delete(id);
}
