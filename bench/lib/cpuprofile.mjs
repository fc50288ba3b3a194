// Read a V8 .cpuprofile (node --cpu-prof) and list the functions with the most self time. Positions in
// the minified bundle are mapped back to the original source (and original names) through the bundle's
// source maps, with a small VLQ decoder (no dependency).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decode a source map's `mappings` into, per generated line, segments [col, src, srcLine, srcCol, name?]. */
function decodeMappings(mappings) {
  const lines = [];
  let src = 0;
  let srcLine = 0;
  let srcCol = 0;
  let name = 0;
  for (const lineText of mappings.split(';')) {
    const segs = [];
    let col = 0;
    for (const segText of lineText.split(',')) {
      if (!segText) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of segText) {
        const digit = B64_INDEX.get(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += values[0];
      const seg = [col];
      if (values.length >= 4) {
        src += values[1];
        srcLine += values[2];
        srcCol += values[3];
        seg.push(src, srcLine, srcCol);
        if (values.length >= 5) {
          name += values[4];
          seg.push(name);
        }
      }
      segs.push(seg);
    }
    lines.push(segs);
  }
  return lines;
}

const maps = new Map();
function mapFor(url) {
  if (maps.has(url)) return maps.get(url);
  let m = null;
  try {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (file.endsWith('.js') && existsSync(`${file}.map`)) {
      const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
      m = { sources: raw.sources, names: raw.names ?? [], lines: decodeMappings(raw.mappings) };
    }
  } catch {
    m = null;
  }
  maps.set(url, m);
  return m;
}

const generated = new Map();
function generatedLine(url, line) {
  if (!generated.has(url)) {
    let lines = null;
    try {
      lines = readFileSync(url.startsWith('file://') ? fileURLToPath(url) : url, 'utf8').split('\n');
    } catch {
      lines = null;
    }
    generated.set(url, lines);
  }
  return generated.get(url)?.[line] ?? '';
}

/**
 * Original position of a 0-based generated line/column, and the original name of the function V8 calls
 * `minified`: the named mapping segment, at or shortly before the position, whose generated text is that
 * identifier (V8 places a function at its parameter list, whose names are segments too).
 */
function original(url, line, col, minified) {
  const m = mapFor(url);
  if (!m) return null;
  const segs = m.lines[line];
  if (!segs || segs.length === 0) return null;
  let lo = 0;
  let hi = segs.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid][0] <= col) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (at < 0) at = 0;
  const seg = segs[at];
  if (seg.length < 4) return null;
  let name;
  if (minified) {
    const text = generatedLine(url, line);
    for (let k = at; k >= Math.max(0, at - 12); k--) {
      const s = segs[k];
      if (s.length < 5) continue;
      const after = text.charAt(s[0] + minified.length);
      if (text.startsWith(minified, s[0]) && !/[\w$]/.test(after)) {
        name = m.names[s[4]];
        break;
      }
    }
  }
  const source = m.sources[seg[1]].replace(/^(\.\.\/)+/, '');
  return { source, line: seg[2] + 1, name };
}

function label(frame) {
  const { functionName, url, lineNumber, columnNumber } = frame;
  if (!url) return { name: functionName || '(anonymous)', where: '', group: functionName.startsWith('(') ? functionName : 'native' };
  const o = original(url, lineNumber, columnNumber, functionName);
  if (o) {
    // `…/node_modules/@scope/pkg/file.js` → `node_modules/@scope/pkg`; our own sources → their folder.
    const nm = o.source.lastIndexOf('node_modules/');
    const rest = nm >= 0 ? o.source.slice(nm).split('/') : null;
    const group = rest ? rest.slice(0, rest[1]?.startsWith('@') ? 3 : 2).join('/') : o.source.replace(/\/[^/]+$/, '/');
    return { name: o.name && o.name !== functionName ? `${o.name} (${functionName || 'anonymous'})` : functionName || o.name || '(anonymous)', where: `${o.source}:${o.line}`, group };
  }
  const short = url.replace(/^file:\/\/.*\/dist\//, 'dist/');
  if (url.startsWith('node:')) return { name: functionName || '(anonymous)', where: `${short}:${lineNumber + 1}`, group: 'node internals' };
  // Unmapped bundle code: a module's top level, or esbuild's own CommonJS/ESM wrappers around dependencies.
  if (!functionName && lineNumber === 0 && columnNumber === 0) return { name: '(module top level)', where: short, group: 'module evaluation (bundle)' };
  return { name: functionName || '(esbuild module wrapper)', where: `${short}:${lineNumber + 1}`, group: 'module evaluation (bundle)' };
}

/**
 * Top self-time functions of a profile: [{ name, where, selfMs, percent }], percent of the sampled
 * CPU time (idle excluded). Also the same aggregated by package / source folder.
 */
export function summariseProfile(file, top = 10) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let k = 0; k < profile.samples.length; k++) {
    const id = profile.samples[k];
    const dt = profile.timeDeltas[k + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const fns = new Map();
  const groups = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const l = label(frame);
    const key = `${l.name}|${l.where}`;
    const f = fns.get(key) ?? { name: l.name, where: l.where, us: 0 };
    f.us += us;
    fns.set(key, f);
    groups.set(l.group, (groups.get(l.group) ?? 0) + us);
  }
  // Inclusive time of the project's own functions (src/…): every sample counted once for each distinct
  // src function on its stack, so the cost of what they call (undici, streams, GC they trigger is not) shows.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const labels = new Map();
  const labelOf = (id) => {
    if (!labels.has(id)) labels.set(id, label(byId.get(id).callFrame));
    return labels.get(id);
  };
  const stacks = new Map();
  const srcStack = (id) => {
    if (stacks.has(id)) return stacks.get(id);
    const up = parent.has(id) ? srcStack(parent.get(id)) : [];
    const l = labelOf(id);
    const key = l.where.startsWith('src/') ? `${l.name}|${l.where}` : null;
    const mine = key && !up.includes(key) ? [...up, key] : up;
    stacks.set(id, mine);
    return mine;
  };
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue;
    for (const key of srcStack(id)) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
  const pct = (us) => Math.round((1000 * us) / Math.max(1, total)) / 10;
  const ownInclusive = [...inclusive.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => {
      const [name, where] = key.split('|');
      return { name, where, totalMs: Math.round(us / 1000), percent: pct(us) };
    });
  const functions = [...fns.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, selfMs: Math.round(f.us / 1000), percent: pct(f.us) }));
  const byGroup = [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([group, us]) => ({ group, selfMs: Math.round(us / 1000), percent: pct(us) }));
  return { totalMs: Math.round(total / 1000), durationMs: Math.round((profile.endTime - profile.startTime) / 1000), functions, byGroup, ownInclusive };
}
