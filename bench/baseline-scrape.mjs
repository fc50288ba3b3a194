// The bare loop nexus-top's load scraping is compared with: GET /metrics (nexus-top's headers) from the
// same backends on the same evenly spread 1 s schedule as bench/baseline-undici.mjs, one keep-alive Agent,
// at most `concurrency` in flight, every body read as text and the same three numbers found by a plain
// line scan (split into lines, startsWith, Number). Nothing else: no state, no store, no output.
//
//   node bench/baseline-scrape.mjs PLAN.json      (PLAN: { "urls": [...], "intervalMs": 1000, "concurrency": 64 })
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const urls = plan.urls.map((u) => `${u.replace(/\/+$/, '')}/metrics`);
const n = urls.length;
const intervalMs = plan.intervalMs ?? 1_000;
const concurrency = plan.concurrency ?? 64;
const headers = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'nexus-top' };
const agent = new Agent();
const WANTED = ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc'];

let inFlight = 0;
const queue = [];
const busy = new Uint8Array(n);
let found = 0;
let failed = 0;

/** The three values, by a plain scan of every line. */
function scan(text) {
  const values = [NaN, NaN, NaN];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    for (let k = 0; k < WANTED.length; k++) {
      if (line.startsWith(WANTED[k])) values[k] = Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return values;
}

async function scrape(i) {
  try {
    const { statusCode, body } = await request(urls[i], { method: 'GET', headers, dispatcher: agent });
    const values = scan(await body.text());
    if (statusCode === 200 && values.every(Number.isFinite)) found++;
    else failed++;
  } catch {
    failed++;
  }
}

function run(i) {
  inFlight++;
  scrape(i).finally(() => {
    inFlight--;
    busy[i] = 0;
    while (inFlight < concurrency && queue.length > 0) run(queue.shift());
  });
}

function dispatch(i) {
  if (busy[i]) return;
  busy[i] = 1;
  if (inFlight < concurrency) run(i);
  else queue.push(i);
}

for (let i = 0; i < n; i++) {
  const fire = () => {
    setTimeout(fire, intervalMs);
    dispatch(i);
  };
  setTimeout(fire, (i * intervalMs) / n);
}

const stop = () => {
  if (process.env.BASELINE_REPORT) process.stderr.write(`baseline-scrape: found=${found} failed=${failed}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
