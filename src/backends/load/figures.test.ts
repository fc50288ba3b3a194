import { describe, expect, it } from 'vitest';
import { LOAD_BODIES } from '../../../test/helpers/load-bodies.js';
import { wireHttpAnswer } from '../../../test/helpers/wire.js';
import { metricsFamily, NO_FIGURES, parseLlamacppSlots, parseLmStudioModels, parseMetricsLoad, parseOllamaPs } from './figures.js';
import { labelValue, scanMetrics } from './prom-scan.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f]/;

describe('every load body in fixtures/wire', () => {
  it.each(Object.keys(LOAD_BODIES))('%s', (file) => {
    const [parse, expected] = LOAD_BODIES[file]!;
    const answer = wireHttpAnswer(file);
    expect(answer.status).toBe(200);
    expect(parse(answer.body)).toEqual(expected);
  });

  it('says which server wrote a /metrics body, for a generic backend', () => {
    expect(metricsFamily(wireHttpAnswer('vllm/metrics.http').body)).toBe('vllm');
    expect(metricsFamily(wireHttpAnswer('vllm/metrics_v0.8.http').body)).toBe('vllm');
    expect(metricsFamily(wireHttpAnswer('sglang/metrics.http').body)).toBe('sglang');
    expect(metricsFamily(wireHttpAnswer('tgi/metrics.http').body)).toBe('tgi');
    expect(metricsFamily(wireHttpAnswer('llamacpp/metrics_busy.http').body)).toBe('llamacpp');
    expect(metricsFamily('# HELP process_cpu_seconds_total x\nprocess_cpu_seconds_total 1.5\n')).toBeNull();
    expect(metricsFamily('<html>not metrics</html>')).toBeNull();
  });
});

describe('vLLM with several engines', () => {
  const body = [
    'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
    'vllm:num_requests_running{engine="1",model_name="m"} 4.0',
    'vllm:num_requests_waiting{engine="0",model_name="m"} 1.0',
    'vllm:num_requests_waiting{engine="1",model_name="m"} 6.0',
    'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.2',
    'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.97',
    '',
  ].join('\n');

  it('sums running and waiting, and takes the fullest engine\'s KV', () => {
    expect(parseMetricsLoad(body, 'vllm')).toEqual({ ok: true, figures: { ...NO_FIGURES, running: 7, waiting: 7, kvCache: 0.97 } });
  });

  it('counts a series written twice once (the last value)', () => {
    const twice = `${body}vllm:num_requests_running{engine="1",model_name="m"} 5.0\n`;
    expect(parseMetricsLoad(twice, 'vllm')).toMatchObject({ figures: { running: 8 } });
  });
});

describe('a /metrics body that is garbage', () => {
  const vllm = wireHttpAnswer('vllm/metrics.http').body;

  it('a line cut in half: the series is unknown, the rest still read', () => {
    const cut = vllm.slice(0, vllm.indexOf('vllm:kv_cache_usage_perc{') + 'vllm:kv_cache_usage_perc{engine="0",mod'.length);
    expect(parseMetricsLoad(cut, 'vllm')).toEqual({ ok: true, figures: { ...NO_FIGURES, running: 12, waiting: 3 } });
  });

  it('NaN and +Inf values are unknown, never a number', () => {
    const body = 'vllm:num_requests_running{engine="0"} NaN\nvllm:num_requests_waiting{engine="0"} +Inf\nvllm:kv_cache_usage_perc{engine="0"} -Inf\n';
    expect(parseMetricsLoad(body, 'vllm')).toEqual({ ok: true, figures: NO_FIGURES });
    expect(scanMetrics(body, ['vllm:num_requests_waiting']).get('vllm:num_requests_waiting')).toEqual([{ labels: 'engine="0"', value: Number.POSITIVE_INFINITY }]);
  });

  it('a value that is not a number, a negative count, a KV past 1: unknown', () => {
    const body = 'vllm:num_requests_running{engine="0"} twelve\nvllm:num_requests_waiting{engine="0"} -3\nvllm:kv_cache_usage_perc{engine="0"} 64.1\n';
    expect(parseMetricsLoad(body, 'vllm')).toEqual({ ok: true, figures: NO_FIGURES });
  });

  it('labels with escaped quotes and a brace inside a value', () => {
    const body = 'vllm:num_requests_running{model_name="a \\"quoted\\" {odd} name",engine="0"} 5 1700000000000\n';
    const samples = scanMetrics(body, ['vllm:num_requests_running']).get('vllm:num_requests_running')!;
    expect(samples).toEqual([{ labels: 'model_name="a \\"quoted\\" {odd} name",engine="0"', value: 5 }]);
    expect(labelValue(samples[0]!.labels, 'model_name')).toBe('a "quoted" {odd} name');
    expect(labelValue(samples[0]!.labels, 'engine')).toBe('0');
    expect(parseMetricsLoad(body, 'vllm')).toMatchObject({ figures: { running: 5 } });
  });

  it('a longer metric name that starts like the wanted one is another metric', () => {
    const body = 'vllm:num_requests_running_total 99\nxvllm:num_requests_running 98\nvllm:num_requests_running 2\n';
    expect(parseMetricsLoad(body, 'vllm')).toMatchObject({ figures: { running: 2 } });
  });

  it('HTML, JSON or an empty body: no figures, and a reason', () => {
    for (const body of ['<html><body>502 Bad Gateway</body></html>', '{"object":"list"}', '']) {
      expect(parseMetricsLoad(body, 'vllm')).toEqual({ ok: false, message: 'no vllm load metrics in the /metrics body' });
    }
  });

  it('a 5 MB body of other series with the three wanted ones at the end: found', () => {
    const filler = Array.from({ length: 80_000 }, (_, i) => `vllm:request_latency_seconds_bucket{engine="0",le="${i}"} ${i}`).join('\n');
    expect(filler.length).toBeGreaterThan(5_000_000);
    const body = `${filler}\nvllm:num_requests_running{engine="0"} 1\nvllm:num_requests_waiting{engine="0"} 40\nvllm:kv_cache_usage_perc{engine="0"} 0.98`;
    expect(parseMetricsLoad(body, 'vllm')).toEqual({ ok: true, figures: { ...NO_FIGURES, running: 1, waiting: 40, kvCache: 0.98 } });
  });

  it('CRLF line ends', () => {
    expect(parseMetricsLoad('tgi_queue_size 5\r\ntgi_batch_current_size 2\r\n', 'tgi')).toMatchObject({ figures: { running: 2, waiting: 5, kvCache: null } });
  });
});

describe('llama.cpp /slots', () => {
  it('busy is is_processing; builds before late 2024 said state 1', () => {
    expect(parseLlamacppSlots('[{"id":0,"is_processing":false},{"id":1,"is_processing":true}]')).toMatchObject({ figures: { running: 1, slots: { busy: 1, total: 2 } } });
    expect(parseLlamacppSlots('[{"id":0,"state":1},{"id":1,"state":0},{"id":2,"state":0}]')).toMatchObject({ figures: { slots: { busy: 1, total: 3 } } });
  });

  it('garbage: not an array, an entry not an object, truncated', () => {
    expect(parseLlamacppSlots('{"error":"x"}')).toEqual({ ok: false, message: '/slots is not a JSON array' });
    expect(parseLlamacppSlots('[1,2]')).toEqual({ ok: false, message: '/slots has an entry that is not an object' });
    expect(parseLlamacppSlots('[{"id":0,"is_proc')).toEqual({ ok: false, message: '/slots is not a JSON array' });
  });
});

describe('models in memory (Ollama /api/ps, LM Studio /api/v0/models)', () => {
  it('names are sanitised: an escape sequence in a model name never reaches the screen', () => {
    const ps = parseOllamaPs('{"models":[{"name":"\\u001b]0;pwned\\u0007evil\\u001b[2J","size":10,"size_vram":5}]}');
    expect(ps).toMatchObject({ ok: true, figures: { loadedModels: [{ name: 'evil', sizeBytes: 10, vramBytes: 5, expiresAt: null }] } });
    const lm = parseLmStudioModels('{"data":[{"id":"a\\u009b31mb","state":"loaded"}]}');
    expect(lm.ok && lm.figures.loadedModels![0]!.name).not.toMatch(UNSAFE);
  });

  it('sizes that are not whole byte counts are unknown, not 0', () => {
    expect(parseOllamaPs('{"models":[{"name":"m","size":"big","size_vram":-1,"expires_at":"never"}]}')).toMatchObject({
      figures: { loadedModels: [{ name: 'm', sizeBytes: null, vramBytes: null, expiresAt: null }] },
    });
  });

  it('no list: a reason', () => {
    expect(parseOllamaPs('{"models":null}')).toEqual({ ok: false, message: "/api/ps has no 'models' array" });
    expect(parseLmStudioModels('[]')).toEqual({ ok: false, message: "/api/v0/models has no 'data' array" });
  });
});
