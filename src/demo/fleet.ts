// node:http by name when the demo starts: a run with a config never loads it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendConfig, BackendType, Config } from '../config/types.js';
import { DEFAULT_TOP } from '../config/types.js';
import { wireAnswer } from './fixtures.js';
import { demoLoadAnswers } from './load-bodies.js';
import type { WireAnswer } from './wire-file.js';

/** How long the demo llama.cpp loads its model, and the flapping server's rhythm. */
export const DEMO_TIMING = { loadingMs: 20_000, flapUpMs: 20_000, flapDownMs: 10_000, slowMs: 800, slowJitterMs: 200 };

// llama.cpp answers this on every path while it loads the model (tools/server: `ERROR_TYPE_UNAVAILABLE`).
const LOADING: WireAnswer = {
  status: 503,
  statusText: 'Service Unavailable',
  headers: [
    ['Server', 'llama.cpp'],
    ['Content-Type', 'application/json; charset=utf-8'],
  ],
  body: Buffer.from('{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}'),
};

// An overloaded OpenAI-compatible server (the shape SGLang and vLLM use for errors).
const OVERLOADED: WireAnswer = {
  status: 503,
  statusText: 'Service Unavailable',
  headers: [['Content-Type', 'application/json']],
  body: Buffer.from('{"object":"error","message":"The server is overloaded, retry later","type":"ServiceUnavailableError","code":503}'),
};

type Behaviour = (req: IncomingMessage, res: ServerResponse, elapsedMs: number) => void;

function send(res: ServerResponse, answer: WireAnswer): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, answer.statusText, [...answer.headers, ['Content-Length', String(answer.body.length)]].flat());
  res.end(answer.body);
}

/** An answer fixed once, or one made for the moment asked (the load bodies move). */
type Route = WireAnswer | ((elapsedMs: number) => WireAnswer);

/** Route by path; anything else gets the server type's own 404. */
function routes(table: Record<string, Route>, notFound: WireAnswer): Behaviour {
  return (req, res, elapsed) => {
    const route = table[new URL(req.url ?? '/', 'http://x').pathname] ?? notFound;
    send(res, typeof route === 'function' ? route(elapsed) : route);
  };
}

interface DemoBackend {
  name: string;
  type: BackendType;
  behaviour?: Behaviour;
}

function fleetPlan(random: () => number, now: () => number): DemoBackend[] {
  // Each serves its load endpoints too (src/demo/load-bodies.ts); vLLM saturates now and then.
  const load = demoLoadAnswers();
  const ollama = routes(
    {
      '/api/tags': wireAnswer('ollama/api_tags.http'),
      '/v1/models': wireAnswer('ollama/v1_models.http'),
      '/': wireAnswer('ollama/root.http'),
      '/api/ps': (elapsed) => load.ollamaPs(now(), elapsed),
    },
    wireAnswer('ollama/not_found.http'),
  );
  const vllm = routes(
    { '/v1/models': wireAnswer('vllm/v1_models.http'), '/health': wireAnswer('vllm/health_ok.http'), '/metrics': load.vllmMetrics },
    wireAnswer('vllm/not_found.http'),
  );
  const llamacppReady = routes(
    { '/health': wireAnswer('llamacpp/health_ok.http'), '/v1/models': wireAnswer('llamacpp/v1_models.http'), '/slots': load.llamacppSlots, '/metrics': load.llamacppMetrics },
    wireAnswer('llamacpp/not_found.http'),
  );
  const openai = routes({ '/v1/models': wireAnswer('openai/v1_models.http') }, wireAnswer('vllm/not_found.http'));
  const lmstudio = routes({ '/v1/models': wireAnswer('lmstudio/v1_models.http'), '/api/v0/models': load.lmstudioModels() }, wireAnswer('vllm/not_found.http'));
  const sglang = routes({ '/v1/models': wireAnswer('sglang/v1_models.http'), '/health': wireAnswer('sglang/health_ok.http') }, wireAnswer('vllm/not_found.http'));
  const sglangMetrics = routes({ '/metrics': load.sglangMetrics }, wireAnswer('vllm/not_found.http'));
  let sglangRequests = 0;
  const badGateway = wireAnswer('synthetic/proxy_502_nginx.http');
  const { loadingMs, flapUpMs, flapDownMs, slowMs, slowJitterMs } = DEMO_TIMING;
  return [
    { name: 'ollama-gpu1', type: 'ollama', behaviour: ollama },
    { name: 'vllm-a100', type: 'vllm', behaviour: vllm },
    {
      name: 'llamacpp-gpu2',
      type: 'llamacpp',
      behaviour: (req, res, elapsed) => (elapsed < loadingMs ? send(res, LOADING) : llamacppReady(req, res, elapsed)),
    },
    {
      name: 'openai-flaky',
      type: 'openai',
      // Up, then the process "dies" (connections dropped), then comes back, over and over.
      behaviour: (req, res, elapsed) => (elapsed % (flapUpMs + flapDownMs) < flapUpMs ? openai(req, res, elapsed) : req.socket.destroy()),
    },
    {
      name: 'lmstudio-slow',
      type: 'lmstudio',
      behaviour: (req, res, elapsed) => {
        const timer = setTimeout(() => lmstudio(req, res, elapsed), slowMs + (random() * 2 - 1) * slowJitterMs);
        res.on('close', () => clearTimeout(timer));
      },
    },
    {
      name: 'sglang-intermittent',
      type: 'generic',
      // Fails every other request: thresholds keep it "healthy" while half its requests fail; flap detection sees it.
      // Its /metrics (a separate endpoint) always answers: the generic type's load comes from there.
      behaviour: (req, res, elapsed) =>
        req.url === '/metrics' ? sglangMetrics(req, res, elapsed) : sglangRequests++ % 2 === 0 ? sglang(req, res, elapsed) : send(res, OVERLOADED),
    },
    { name: 'exo-behind-proxy', type: 'exo', behaviour: (_req, res) => send(res, badGateway) },
    // Nothing listens here: the address of a server that is gone.
    { name: 'ollama-gone', type: 'ollama' },
  ];
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A port on which nothing listens: bind one, then let it go. */
async function deadPort(): Promise<number> {
  const s = process.getBuiltinModule('node:http').createServer();
  const port = await listen(s);
  await close(s);
  return port;
}

export interface DemoFleet {
  config: Config;
  close(): Promise<void>;
}

/**
 * Start the built-in demo fleet: fake backends on 127.0.0.1 ephemeral ports answering with the real
 * bodies under fixtures/wire, with scripted trouble (loading, flapping, slow, 502, gone), and load bodies
 * whose figures move (vLLM's queue and KV cache fill up now and then).
 */
export async function startDemoFleet(options: { now?: () => number; random?: () => number } = {}): Promise<DemoFleet> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const started = now();
  const servers: Server[] = [];
  const backends: BackendConfig[] = [];
  for (const plan of fleetPlan(random, now)) {
    let port: number;
    if (plan.behaviour) {
      const behaviour = plan.behaviour;
      const server = process.getBuiltinModule('node:http').createServer((req, res) => behaviour(req, res, now() - started));
      servers.push(server);
      port = await listen(server);
    } else {
      port = await deadPort();
    }
    backends.push({ name: plan.name, url: `http://127.0.0.1:${port}`, type: plan.type, priority: 50, tlsVerify: true });
  }
  const config: Config = {
    source: 'demo',
    health: { enabled: true, intervalMs: 2_000, timeoutMs: 2_000, failureThreshold: 3, recoveryThreshold: 2 },
    top: { ...DEFAULT_TOP },
    backends,
  };
  return { config, close: () => Promise.all(servers.map(close)).then(() => undefined) };
}
