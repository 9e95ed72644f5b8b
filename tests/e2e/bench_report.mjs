// What the browser benchmarks (bench.mjs, scale_bench.mjs) share: the machine they ran on, and
// rewriting their own section of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function machine() {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  return `${os.cpus().length} cores, ${cpu}`;
}

export function writeSection(name, body) {
  const file = path.join(root, 'docs/benchmarks.md');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body}${end}`;
  const s = doc.indexOf(start);
  const e = doc.indexOf(end);
  fs.writeFileSync(file, s >= 0 && e > s ? doc.slice(0, s) + block + doc.slice(e + end.length) : `${doc.trimEnd()}\n\n${block}\n`);
  console.log(`wrote section '${name}' of ${file}`);
}
