// Minifies the built PWA's JavaScript (terser) and stylesheets (csso) in place, both from tools/
// (Trunk 0.21 leaves them as written), then fixes the subresource integrity hashes Trunk wrote
// into the html pages for the files it changed and drops the pages' comments. The wasm-bindgen
// glue and the camera/PWA snippets are the largest scripts of every page's first load.
// Usage: node scripts/minify_js.mjs DIST   (scripts/build_pwa.sh runs it before sw_version.py)
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const require = createRequire(new URL('../tools/package.json', import.meta.url));
const { minify } = require('terser');
const csso = require('csso');

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node scripts/minify_js.mjs DIST');
  process.exit(2);
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

// The service worker is stamped afterwards by sw_version.py, which reads its source.
const KEEP = new Set(['sw.js']);
// An ES module (the wasm-bindgen glue, its snippets) may have its top level renamed; a classic
// script (boot.js, the worker's glue and loader) shares its top-level names with other scripts.
const ES_MODULE = /^\s*(import|export)\b/m;

const sri = new Map(); // "/path" -> "sha384-..."
let before = 0;
let after = 0;
for (const path of files(dist).filter((p) => p.endsWith('.js'))) {
  const name = relative(dist, path).split(sep).join('/');
  if (KEEP.has(name)) continue;
  const source = readFileSync(path, 'utf8');
  const module = ES_MODULE.test(source);
  const out = await minify(source, { module, toplevel: module, compress: { passes: 2 }, mangle: true });
  if (out.code === undefined || out.code.length >= source.length) continue;
  writeFileSync(path, out.code);
  before += Buffer.byteLength(source);
  after += Buffer.byteLength(out.code);
  sri.set(`/${name}`, `sha384-${createHash('sha384').update(out.code).digest('base64')}`);
}

for (const path of files(dist).filter((p) => p.endsWith('.css'))) {
  const source = readFileSync(path, 'utf8');
  const { css } = csso.minify(source);
  if (css.length >= source.length) continue;
  writeFileSync(path, css);
  before += Buffer.byteLength(source);
  after += Buffer.byteLength(css);
  sri.set(`/${relative(dist, path).split(sep).join('/')}`, `sha384-${createHash('sha384').update(css).digest('base64')}`);
}

// Trunk's tags: <link ... href="/x.js" ... integrity="sha384-...">.
for (const path of files(dist).filter((p) => p.endsWith('.html'))) {
  const html = readFileSync(path, 'utf8');
  const fixed = html
    .replace(/<(?:link|script)\b[^>]*>/g, (tag) => {
      const ref = /\b(?:href|src)="([^"]+)"/.exec(tag);
      const hash = ref && sri.get(ref[1]);
      return hash ? tag.replace(/\bintegrity="[^"]*"/, `integrity="${hash}"`) : tag;
    })
    // The pages' comments are for developers (they stay in the sources), and so are the blank
    // lines Trunk leaves where its tags were.
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\n\s*(?=\n)/g, '');
  if (fixed !== html) writeFileSync(path, fixed);
}
console.log(`minify_js: ${sri.size} scripts and stylesheets, ${before} -> ${after} bytes`);
