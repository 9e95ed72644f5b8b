// The scanner's camera and frame pump: the browser-media glue the Rust app drives (src/camera.rs).
// Decisions stay in Rust: this file only opens the camera, crops the scan box out of each frame
// and hands it to the decoder worker (crates/ingia-decoder), or to Chrome's own BarcodeDetector
// where it reads QR codes. It never blocks the page: one frame is in flight at a time, a worker
// that traps or stops answering is replaced, and the camera is released while the page is hidden.

const BOX = 0.85;         // the scan box: this share of the frame's short side, centred
const MAX_SIDE = 480;     // crops larger than this are scaled down before decoding (cost grows faster than pixels)
const WATCHDOG_MS = 2500; // a worker silent this long is replaced
const KEEP = 240;         // timings kept for the diagnostics (about 8 s at 30 fps)
// Battery: with no code read and nothing moving in the scan box for IDLE_AFTER_MS, the pump
// decodes only every IDLE_EVERY_MS; a cheap difference of tiny copies of the scan box (THUMB
// pixels a side, compared frame to frame) brings it back to every frame the moment something
// moves, so a code held up is read as fast as ever. While idle the camera track itself is held to
// IDLE_FPS (Chrome drops the other frames before they reach the page), so the video is neither
// composited nor compared 30 times a second; the first movement asks for the full rate again.
const IDLE_AFTER_MS = 8000;
const IDLE_EVERY_MS = 350;
const IDLE_FPS = 5;
const THUMB = 24;
const MOTION = 12;        // mean absolute difference of the tiny copies (0-255) that is movement

function push(list, value) {
  list.push(value);
  if (list.length > KEEP) list.shift();
}

// Where Trunk puts the decoder worker (index.html: `data-type="worker"`, named after the bin);
// scripts/sw_version.py finds it here for the pages that scan.
const WORKER_URL = '/ingia-decoder_loader.js';

export class Camera {
  constructor(video, facing, onCode, onState) {
    this.video = video;
    this.facing = facing; // 'environment' at a gate, 'user' on a kiosk
    this.onCode = onCode;
    this.onState = onState;
    this.deviceId = null;
    this.running = false;
    this.stream = null;
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    this.nextId = 1;
    this.inFlight = null;
    this.stats = { frames: 0, decoded: 0, restarts: 0, decodeMs: [], roundTripMs: [], nativeMs: [], passes: {}, engine: 'wasm',
      skipped: 0, idle: false, wakes: 0, wakeToCodeMs: [] };
    this.activeAt = performance.now();
    this.wokeAt = undefined;
    this.lastGrab = 0;
    this.onVisibility = () => (document.hidden ? this.release() : this.running && this.open());
    globalThis.ingiaCamera = this; // diagnostics and the benchmark read `stats`
  }

  async start() {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.spawnWorker();
    await this.detector();
    await this.open();
  }

  stop() {
    this.running = false;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.release();
    this.worker?.terminate();
    this.worker = null;
    this.onState('stopped', false, 0);
    // The app drops its callbacks with this camera: late promises must not call them.
    this.onState = this.onCode = () => {};
  }

  async next() {
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    if (cams.length < 2) return;
    const at = cams.findIndex((c) => c.deviceId === this.currentDeviceId);
    this.deviceId = cams[(at + 1) % cams.length].deviceId;
    this.release();
    await this.open();
  }

  async torch(on) {
    const track = this.stream?.getVideoTracks()[0];
    try {
      await track?.applyConstraints({ advanced: [{ torch: on }] });
      return true;
    } catch {
      return false;
    }
  }

  // Chrome on Android (and macOS) reads QR codes natively; desktop Linux does not.
  async detector() {
    if (this.native !== undefined) return;
    this.native = null;
    try {
      if ('BarcodeDetector' in globalThis && (await BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
        this.native = new BarcodeDetector({ formats: ['qr_code'] });
        this.stats.engine = 'native+wasm';
      }
    } catch {
      this.native = null;
    }
  }

  async open() {
    if (!this.running || this.stream || this.opening) return;
    if (!navigator.mediaDevices?.getUserMedia) return this.onState('unavailable', false, 0);
    this.opening = true;
    this.onState('starting', false, 0);
    let stream;
    try {
      const video = this.deviceId ? { deviceId: { exact: this.deviceId } } : { facingMode: { ideal: this.facing } };
      video.width = { ideal: 1280 };
      video.height = { ideal: 720 };
      this.constraints = video;
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (e) {
      this.opening = false;
      return this.onState(e && e.name === 'NotAllowedError' ? 'denied' : 'unavailable', false, 0);
    }
    this.opening = false;
    if (!this.running || document.hidden) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.stream = stream;
    this.slowed = false;
    const track = stream.getVideoTracks()[0];
    this.currentDeviceId = track.getSettings?.().deviceId || null;
    this.video.muted = true;
    this.video.setAttribute('playsinline', '');
    this.video.srcObject = stream;
    await this.video.play().catch(() => {});
    const caps = track.getCapabilities?.() || {};
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    this.onState('running', !!caps.torch, cams.length);
    this.pump(stream);
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
    if (this.running) this.onState('paused', false, 0);
  }

  pump(stream) {
    this.activeAt = performance.now();
    this.prevThumb = null;
    const tick = () => {
      if (this.stream !== stream) return;
      this.schedule(tick);
      if (this.inFlight || !this.ready || this.video.readyState < 2) return;
      const now = performance.now();
      if (now - this.activeAt <= IDLE_AFTER_MS) return this.grab(false);
      // At rest: every frame is compared with the last; one every IDLE_EVERY_MS is decoded, its
      // crop drawn once for both.
      this.stats.idle = true;
      this.slow(true);
      const due = now - this.lastGrab >= IDLE_EVERY_MS;
      const drawn = due && this.draw();
      if (this.moved(drawn)) this.wake(now);
      else if (!due) return void this.stats.skipped++;
      this.grab(drawn);
    };
    this.schedule(tick);
  }

  // Something moved in the scan box: full rate again, and the time it takes to read a code.
  wake(now) {
    this.activeAt = this.wokeAt = now;
    this.prevThumb = null; // the next rest compares against what it sees then
    this.stats.wakes++;
    this.stats.idle = false;
    this.slow(false);
  }

  // Holds the camera track to IDLE_FPS (on) or gives it its full rate back (off). A camera that
  // refuses is left as it is: the pump's own skipping still saves the decodes.
  slow(on) {
    if (this.slowed === on) return;
    this.slowed = on;
    const track = this.stream?.getVideoTracks()[0];
    const frameRate = on ? { max: IDLE_FPS } : undefined;
    track?.applyConstraints({ ...this.constraints, ...(frameRate && { frameRate }) }).catch(() => {});
  }

  // Whether the scan box changed since the last look: from the crop just drawn (`drawn`), else
  // from the video (the scan box straight into the tiny copy).
  moved(drawn) {
    if (!this.thumb) {
      this.thumb = Object.assign(document.createElement('canvas'), { width: THUMB, height: THUMB });
      this.thumbCtx = this.thumb.getContext('2d', { willReadFrequently: true });
    }
    if (drawn) {
      this.thumbCtx.drawImage(this.canvas, 0, 0, THUMB, THUMB);
    } else {
      const [x, y, side] = this.scanBox();
      this.thumbCtx.drawImage(this.video, x, y, side, side, 0, 0, THUMB, THUMB);
    }
    const px = this.thumbCtx.getImageData(0, 0, THUMB, THUMB).data;
    const prev = this.prevThumb;
    this.prevThumb = px;
    if (!prev) return false;
    let sum = 0;
    for (let i = 1; i < px.length; i += 4) sum += Math.abs(px[i] - prev[i]); // green: close to luma
    return sum / (THUMB * THUMB) > MOTION;
  }

  // The scan box in video pixels: left, top, side.
  scanBox() {
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    const side = Math.round(Math.min(vw, vh) * BOX);
    return [(vw - side) >> 1, (vh - side) >> 1, side];
  }

  // The scan box drawn into the decode canvas (scaled down to MAX_SIDE); false before the video
  // has a size.
  draw() {
    if (!this.video.videoWidth || !this.video.videoHeight) return false;
    const [x, y, side] = this.scanBox();
    const out = Math.min(side, MAX_SIDE);
    if (this.canvas.width !== out) this.canvas.width = this.canvas.height = out;
    this.ctx.drawImage(this.video, x, y, side, side, 0, 0, out, out);
    return true;
  }

  schedule(f) {
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(() => f());
    else requestAnimationFrame(f);
  }

  // Sends the scan box to the decoder (`drawn`: already in the canvas).
  async grab(drawn) {
    const captured = performance.now();
    if (!drawn && !this.draw()) return;
    const out = this.canvas.width;
    this.lastGrab = captured;
    this.stats.frames++;
    const id = this.nextId++;
    this.inFlight = { id, captured };
    if (this.native) {
      try {
        const t0 = performance.now();
        const codes = await this.native.detect(this.canvas);
        push(this.stats.nativeMs, performance.now() - t0);
        if (codes.length) {
          this.inFlight = null;
          return this.found(codes[0].rawValue, captured);
        }
      } catch {
        this.native = null; // a broken detector: the worker alone from now on
      }
    }
    const img = this.ctx.getImageData(0, 0, out, out);
    this.worker.postMessage({ id, width: out, height: out, rgba: img.data.buffer }, [img.data.buffer]);
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.respawn(), WATCHDOG_MS);
  }

  spawnWorker() {
    this.ready = false;
    this.inFlight = null;
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (ev) => this.reply(ev.data);
    // A trap (a panic in the decoder) or a load failure: start a fresh one; scanning goes on.
    this.worker.onerror = (ev) => {
      ev.preventDefault?.();
      this.respawn();
    };
  }

  respawn() {
    clearTimeout(this.watchdog);
    this.worker?.terminate();
    this.stats.restarts++;
    if (this.running) setTimeout(() => this.running && this.spawnWorker(), this.stats.restarts > 5 ? 1000 : 0);
  }

  reply(msg) {
    if (msg.ready) {
      this.ready = true;
      return;
    }
    const flight = this.inFlight;
    if (!flight || msg.id !== flight.id) return;
    clearTimeout(this.watchdog);
    this.inFlight = null;
    push(this.stats.decodeMs, msg.ms);
    push(this.stats.roundTripMs, performance.now() - flight.captured);
    if (msg.text) {
      this.stats.passes[msg.pass] = (this.stats.passes[msg.pass] || 0) + 1;
      this.found(msg.text, flight.captured);
    }
  }

  found(text, captured) {
    this.stats.decoded++;
    this.lastCaptured = captured;
    const now = performance.now();
    if (this.wokeAt !== undefined && now - this.wokeAt < 2000) push(this.stats.wakeToCodeMs, now - this.wokeAt);
    this.wokeAt = undefined;
    this.activeAt = now;
    this.stats.idle = false;
    this.slow(false);
    this.onCode(text);
  }
}

// Called by the app once a verdict is on screen: the time from the frame that held the code to
// the painted verdict (the benchmark's "QR to verdict").
export function verdictShown() {
  const cam = globalThis.ingiaCamera;
  const from = cam?.lastCaptured;
  if (from === undefined) return;
  cam.lastCaptured = undefined;
  requestAnimationFrame(() => {
    cam.stats.toVerdictMs = cam.stats.toVerdictMs || [];
    push(cam.stats.toVerdictMs, performance.now() - from);
  });
}

let audio = null;

// Unlocks sound on the first touch (browsers keep audio silent until a user gesture).
export function unlockAudio() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch {
    audio = null;
  }
}

// A sound and a vibration per verdict: one high beep (green), two middle beeps (amber), a low
// buzz (red), so staff hear the answer without looking.
export function feedback(tone) {
  const pattern = { green: [[1320, 0, 0.12]], amber: [[740, 0, 0.1], [740, 0.16, 0.1]], red: [[220, 0, 0.45]] }[tone];
  try {
    navigator.vibrate?.(tone === 'green' ? 80 : tone === 'amber' ? [70, 60, 70] : 400);
  } catch {}
  if (!audio || !pattern) return;
  const t = audio.currentTime;
  for (const [freq, at, len] of pattern) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = tone === 'red' ? 'square' : 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, t + at);
    gain.gain.exponentialRampToValueAtTime(0.001, t + at + len);
    osc.connect(gain).connect(audio.destination);
    osc.start(t + at);
    osc.stop(t + at + len + 0.02);
  }
}
