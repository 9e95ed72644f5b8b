// Fake-camera videos for Chromium (`--use-file-for-fake-video-capture`): 640x480 YUV4MPEG2
// (C420jpeg) frames holding ticket QR codes as the server CLI printed them (its SVG files,
// rasterized by Chromium itself), with blank frames between. Chromium replays the file from its
// first frame each time a page opens the camera, so a test knows the order codes appear in.
import fs from 'node:fs';
import qrcode from 'qrcode-generator';
import { launchChromium } from './server.mjs';

export const W = 640;
export const H = 480;
export const FPS = 5;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function base45Decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const [c, d, e] = [...text.slice(i, i + 3)].map((ch) => ALPHABET.indexOf(ch));
    const n = c + d * 45 + (e === undefined ? 0 : e * 2025);
    if (e === undefined) out.push(n);
    else out.push(n >> 8, n & 255);
  }
  return out;
}

function base45Encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      const n = bytes[i] * 256 + bytes[i + 1];
      s += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
    } else {
      s += ALPHABET[bytes[i] % 45] + ALPHABET[Math.floor(bytes[i] / 45)];
    }
  }
  return s;
}

/** A forgery of a real ticket: one byte of its Ed25519 signature (bytes 24..88) changed. */
export function forge(ticketText) {
  const bytes = base45Decode(ticketText.slice('INGIA:'.length));
  bytes[40] ^= 0x5a;
  return 'INGIA:' + base45Encode(bytes);
}

/** An SVG of any text as a QR code (for forgeries; real tickets use the CLI's own SVG files). */
export function qrSvg(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  return qr.createSvgTag({ cellSize: 8, margin: 4 });
}

/**
 * Writes `file` from `scenes`: `{ svg, seconds }` shows a code, `{ blank: seconds }` an empty
 * scene. Codes are drawn 300 px wide in the middle of the frame, slightly grey and noisy like a
 * phone camera sees them. `fps`: frames a second (a low rate keeps the files small).
 */
export async function writeVideo(file, scenes, fps = FPS) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const out = fs.openSync(file, 'w');
    fs.writeSync(out, `YUV4MPEG2 W${W} H${H} F${fps}:1 Ip A1:1 C420jpeg\n`);
    const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
    const blank = await page.evaluate(raster, { svg: null, w: W, h: H });
    for (const scene of scenes) {
      const luma = scene.svg ? await page.evaluate(raster, { svg: scene.svg, w: W, h: H }) : blank;
      const y = Buffer.from(luma, 'base64');
      const frames = Math.round((scene.seconds ?? scene.blank) * fps);
      for (let i = 0; i < frames; i++) {
        fs.writeSync(out, 'FRAME\n');
        fs.writeSync(out, y);
        fs.writeSync(out, chroma);
      }
    }
    fs.closeSync(out);
  } finally {
    await browser.close();
  }
  return file;
}

// Runs in the page: the SVG drawn on a grey-white card, as base64 luma bytes.
async function raster({ svg, w, h }) {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#b4b4b4';
  ctx.fillRect(0, 0, w, h);
  if (svg) {
    const img = new Image();
    img.src = 'data:image/svg+xml;base64,' + btoa(svg);
    await img.decode();
    ctx.fillStyle = '#e6e6e6';
    ctx.fillRect(w / 2 - 170, h / 2 - 170, 340, 340);
    ctx.drawImage(img, w / 2 - 150, h / 2 - 150, 300, 300);
  }
  const rgba = ctx.getImageData(0, 0, w, h).data;
  let bin = '';
  let seed = 12345;
  for (let i = 0; i < rgba.length; i += 4) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const y = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
    // Dark modules are not black and light ones not white on a camera; add sensor noise.
    bin += String.fromCharCode(Math.max(0, Math.min(255, 35 + Math.round(y * 0.72) + (seed % 13) - 6)));
  }
  return btoa(bin);
}

/** A wallet's live code held up, then a code two steps old (a screenshot): the video both the
 * wallet test and the wrong-clock test play to a gate. */
export function liveThenStale(file, live, stale) {
  return writeVideo(file, [{ blank: 1 }, { svg: live, seconds: 1.2 }, { blank: 1.5 }, { svg: stale, seconds: 1.2 }, { blank: 6 }]);
}
