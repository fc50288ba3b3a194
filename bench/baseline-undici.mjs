// The bare undici loop nexus-top's CPU and RSS are compared with: the same requests (GET /v1/models with
// nexus-top's headers) to the same backends on the same evenly spread schedule (backend i at offset
// i/N of the interval, every interval), one keep-alive Agent, at most `concurrency` requests in flight,
// every body read and JSON.parse'd. Nothing else: no state machine, no store, no output.
//
//   node bench/baseline-undici.mjs PLAN.json      (PLAN: { "urls": [...], "intervalMs": 1000, "concurrency": 64 })
//
// Runs until SIGTERM/SIGINT. Undici comes from the project's node_modules (the version nexus-top bundles).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const urls = plan.urls.map((u) => `${u.replace(/\/+$/, '')}/v1/models`);
const n = urls.length;
const intervalMs = plan.intervalMs ?? 1_000;
const concurrency = plan.concurrency ?? 64;
// nexus-top's request headers (src/probe/http.ts); the fleet never compresses, so the bodies are the same.
const headers = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'nexus-top' };
const agent = new Agent();

let inFlight = 0;
const queue = [];
const busy = new Uint8Array(n);
let ok = 0;
let failed = 0;

async function probe(i) {
  try {
    const { statusCode, body } = await request(urls[i], { method: 'GET', headers, dispatcher: agent });
    const text = await body.text();
    JSON.parse(text);
    if (statusCode === 200) ok++;
    else failed++;
  } catch {
    failed++;
  }
}

function run(i) {
  inFlight++;
  probe(i).finally(() => {
    inFlight--;
    busy[i] = 0;
    while (inFlight < concurrency && queue.length > 0) run(queue.shift());
  });
}

function dispatch(i) {
  // A backend whose previous request is still running skips this turn (nexus-top never overlaps either).
  if (busy[i]) return;
  busy[i] = 1;
  if (inFlight < concurrency) run(i);
  else queue.push(i);
}

// Backend i is first due at t0 + i × interval / n, then every interval from its previous start (as
// nexus-top schedules), so the load is spread evenly with no bursts: one timer per backend, re-armed with
// the same delay. (This loop used to re-arm a single timer for the next request overall, a fraction of a
// millisecond away each time; Node keeps a timer list per distinct delay, so that made and dropped lists
// all the time: 30–60 µs of CPU per probe that a client of these backends does not need, which flattered
// the ratio against it.)
for (let i = 0; i < n; i++) {
  const fire = () => {
    setTimeout(fire, intervalMs);
    dispatch(i);
  };
  setTimeout(fire, (i * intervalMs) / n);
}

const stop = () => {
  if (process.env.BASELINE_REPORT) process.stderr.write(`baseline: ok=${ok} failed=${failed}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
