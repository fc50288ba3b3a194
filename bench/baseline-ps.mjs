// The bare loop nexus-top's probe + Ollama load is compared with: per backend, every interval, the two
// requests nexus-top makes (GET /api/tags, the health probe, and GET /api/ps, the load reading) with
// nexus-top's headers, each on its own evenly spread schedule like bench/baseline-undici.mjs (backend i's
// /api/tags at i/N of the interval, its /api/ps half an interval later), one keep-alive Agent, at most
// `concurrency` of each kind in flight (nexus-top's probe loop and load schedule each have that bound),
// every body read and JSON.parse'd. Nothing else: no state machine, no store, no output.
//
//   node bench/baseline-ps.mjs PLAN.json      (PLAN: { "urls": [...], "intervalMs": 1000, "concurrency": 64 })
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const bases = plan.urls.map((u) => u.replace(/\/+$/, ''));
const n = bases.length;
const intervalMs = plan.intervalMs ?? 1_000;
const concurrency = plan.concurrency ?? 64;
const headers = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'nexus-top' };
const agent = new Agent();

let ok = 0;
let failed = 0;

/** One kind of request (a path) to every backend on its own schedule and its own bound. */
function loop(path, offsetMs) {
  const urls = bases.map((b) => `${b}${path}`);
  const busy = new Uint8Array(n);
  const queue = [];
  let inFlight = 0;
  const ask = async (i) => {
    try {
      const { statusCode, body } = await request(urls[i], { method: 'GET', headers, dispatcher: agent });
      JSON.parse(await body.text());
      if (statusCode === 200) ok++;
      else failed++;
    } catch {
      failed++;
    }
  };
  const run = (i) => {
    inFlight++;
    ask(i).finally(() => {
      inFlight--;
      busy[i] = 0;
      while (inFlight < concurrency && queue.length > 0) run(queue.shift());
    });
  };
  const dispatch = (i) => {
    if (busy[i]) return;
    busy[i] = 1;
    if (inFlight < concurrency) run(i);
    else queue.push(i);
  };
  for (let i = 0; i < n; i++) {
    const fire = () => {
      setTimeout(fire, intervalMs);
      dispatch(i);
    };
    setTimeout(fire, offsetMs + (i * intervalMs) / n);
  }
}

loop('/api/tags', 0);
loop('/api/ps', intervalMs / 2);

const stop = () => {
  if (process.env.BASELINE_REPORT) process.stderr.write(`baseline-ps: ok=${ok} failed=${failed}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
