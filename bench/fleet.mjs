// The fake fleet: N loopback "backends" (one node:http server per 127.0.0.1 ephemeral port) answering an
// OpenAI-style `GET /v1/models`. It runs in a process of its own (forked, driven over IPC) so its CPU is
// never counted against the program measured. `startFleet()` is the parent's side.
//
// Modes:
//   steady  every request: 200 {"object":"list","data":[{"id":"m"}]}
//   flip    each backend alternates 200, 500, 200, 500… request by request (status flips every probe
//           with failure/recovery thresholds of 1)
//   flap    each backend is up for `flapMs`, then down for `flapMs` (its own phase); down is a 500 for
//           even backends and a dropped connection for odd ones
//   vllm    like steady, and `GET /metrics` answers a 64 KB vLLM-like exposition (the load figures'
//           three gauges among histograms), counted apart as `scrapes`
//   ollama  `GET /api/tags` (the probe) and `GET /api/ps` (load) answer the real Ollama bodies in
//           fixtures/wire/ollama/ (api_tags.http, api_ps.http: two models each, ~1 KB); /api/ps is
//           counted apart as `scrapes`
// A backend can be killed (its port closed, its connections dropped): a dead process.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from './lib/util.mjs';

const OK_BODY = Buffer.from('{"object":"list","data":[{"id":"m"}]}');
const ERR_BODY = Buffer.from('{"error":{"message":"flip","type":"server_error"}}');

/**
 * A vLLM `/metrics` of about 64 KB: the three gauges load reads (running, waiting, KV cache), placed as
 * vLLM places them, among the histograms that make up most of a real body.
 */
export function vllmMetricsBody(targetBytes = 64 * 1024) {
  const labels = 'engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"';
  const out = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${labels}} 12.0`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{${labels}} 3.0`,
  ];
  const buckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
  let size = out.join('\n').length;
  for (let h = 0; size < targetBytes; h++) {
    const name = `vllm:histogram_${h}_seconds`;
    const block = [`# HELP ${name} Histogram ${h} of request timings.`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    for (const le of buckets) {
      cumulative += (h * 7 + le * 13) % 17;
      block.push(`${name}_bucket{${labels},le="${le}"} ${cumulative}.0`);
    }
    block.push(`${name}_bucket{${labels},le="+Inf"} ${cumulative}.0`, `${name}_count{${labels}} ${cumulative}.0`, `${name}_sum{${labels}} ${cumulative * 0.37}`);
    // The KV gauge sits among the histograms, as in vLLM's exposition.
    if (h === 3) block.push('# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.', '# TYPE vllm:kv_cache_usage_perc gauge', `vllm:kv_cache_usage_perc{${labels}} 0.6412`);
    out.push(...block);
    size += block.join('\n').length + 1;
  }
  return Buffer.from(`${out.join('\n')}\n`);
}
const METRICS_BODY = vllmMetricsBody();

/** The body of a recorded exchange in fixtures/wire/ (everything after the blank line ending the headers). */
export function wireBody(relPath) {
  const text = readFileSync(new URL(`../fixtures/wire/${relPath}`, import.meta.url), 'utf8');
  const at = text.search(/\r?\n\r?\n/);
  return Buffer.from(at < 0 ? '' : text.slice(at).replace(/^\r?\n\r?\n/, ''));
}
let ollamaBodies = null;
const ollama = () => (ollamaBodies ??= { tags: wireBody('ollama/api_tags.http'), ps: wireBody('ollama/api_ps.http') });

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
  res.end(body);
}

function serve() {
  const servers = [];
  let served = 0;
  let scrapes = 0;
  let connections = 0;
  const t0 = Date.now();

  async function start({ count, mode = 'steady', flapMs = 4_000 }) {
    for (let i = 0; i < count; i++) {
      let n = 0;
      const phase = Math.floor((i * 2 * flapMs) / count);
      const server = createServer((req, res) => {
        served++;
        if (mode === 'vllm' && req.url === '/metrics') {
          scrapes++;
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(METRICS_BODY.length) });
          return res.end(METRICS_BODY);
        }
        if (mode === 'ollama') {
          if (req.url === '/api/ps') {
            scrapes++;
            return reply(res, 200, ollama().ps);
          }
          if (req.url === '/api/tags') return reply(res, 200, ollama().tags);
          return reply(res, 404, Buffer.from('404 page not found'));
        }
        const k = n++;
        if (mode === 'flip') return reply(res, k % 2 === 0 ? 200 : 500, k % 2 === 0 ? OK_BODY : ERR_BODY);
        if (mode === 'flap') {
          const up = Math.floor((Date.now() - t0 + phase) / flapMs) % 2 === 0;
          if (!up) return i % 2 === 0 ? reply(res, 500, ERR_BODY) : req.socket.destroy();
        }
        return reply(res, 200, OK_BODY);
      });
      // Probes every second keep connections busy; never let the server be the one that drops an idle one first.
      server.on('connection', () => connections++);
      server.keepAliveTimeout = 120_000;
      server.headersTimeout = 120_000;
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', 511, resolve);
      });
      servers.push(server);
    }
    return { ports: servers.map((s) => s.address().port) };
  }

  function kill({ index }) {
    const server = servers[index];
    const at = Date.now();
    server.close();
    server.closeAllConnections();
    return { at };
  }

  process.on('message', async (msg) => {
    try {
      let result;
      if (msg.cmd === 'start') result = await start(msg);
      else if (msg.cmd === 'count') result = { served, scrapes, connections, at: Date.now() };
      else if (msg.cmd === 'kill') result = kill(msg);
      else if (msg.cmd === 'stop') {
        for (const s of servers) {
          s.close();
          s.closeAllConnections();
        }
        process.send({ id: msg.id, ok: true }, () => process.exit(0));
        return;
      } else throw new Error(`unknown command ${msg.cmd}`);
      process.send({ id: msg.id, ok: true, ...result });
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
    }
  });
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0));
}

/**
 * Fork a fleet process and start `count` backends in it.
 * Returns { pid, ports, served() → total requests so far, kill(index) → ms timestamp, close() }.
 */
export async function startFleet({ count, mode = 'steady', flapMs } = {}) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map();
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(`fleet: ${msg.error}`));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const unregister = onInterrupt(() => child.kill('SIGKILL'));
  exited.then(unregister);
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`fleet process exited (${code ?? signal})`));
    pending.clear();
  });
  const call = (cmd, args = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, ...args });
    });
  const { ports } = await call('start', { count, mode, ...(flapMs ? { flapMs } : {}) });
  let closed = false;
  return {
    pid: child.pid,
    ports,
    served: async () => (await call('count')).served,
    /** { served: requests, scrapes: `/metrics` requests (mode vllm), connections: TCP connections accepted } so far. */
    counts: async () => {
      const { served, scrapes, connections } = await call('count');
      return { served, scrapes, connections };
    },
    kill: async (index) => (await call('kill', { index })).at,
    close: async () => {
      if (closed) return;
      closed = true;
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      try {
        await call('stop');
      } catch {
        // already gone
      }
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[2] === '--serve') serve();
