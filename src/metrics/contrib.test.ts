import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, ok } from '../../test/helpers/fleet.js';
import { parsePromText } from '../../test/helpers/prom-text.js';
import { createStore } from '../store/store.js';
import { createFleetMetrics } from './registry.js';

/** The metric families a scrape of nexus-top's registry has (histograms by their series names too). */
async function exported(): Promise<Set<string>> {
  const clock = fakeClock(0);
  const store = createStore(configOf(['a']), { clock });
  store.recordResult({ ...ok(), backend: 'a', startedAt: 0, finishedAt: 5, latencyMs: 5 });
  store.flush();
  const metrics = createFleetMetrics(store);
  const names = new Set<string>();
  for (const [name, family] of parsePromText(await metrics.registry.metrics())) {
    names.add(name);
    if (family.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  metrics.dispose();
  return names;
}

interface Rule {
  alert?: string;
  expr: string;
}

describe('contrib/prometheus/nexus-top.rules.yml', () => {
  const rules = (parse(readFileSync(new URL('../../contrib/prometheus/nexus-top.rules.yml', import.meta.url), 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

  it('is valid YAML with the alerts the README describes', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['LLMBackendDown', 'LLMBackendFlapping']));
    for (const r of rules) expect(typeof r.expr).toBe('string');
  });

  it('uses only metrics nexus-top exports', async () => {
    const names = await exported();
    const used = new Set(rules.flatMap((r) => r.expr.match(/\bnexus_top_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe('contrib/grafana/nexus-top.json', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../contrib/grafana/nexus-top.json', import.meta.url), 'utf8')) as {
    uid: string;
    templating: { list: { name: string; query: unknown }[] };
    panels: Panel[];
  };

  it('has a box variable from the instance label, and every panel queries through it', () => {
    const box = dashboard.templating.list.find((v) => v.name === 'box');
    expect(JSON.stringify(box?.query)).toMatch(/label_values\(nexus_top_\w+, instance\)/);
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(5);
    for (const e of exprs) expect(e).toContain('instance=~"$box"');
  });

  it('uses only metrics nexus-top exports', async () => {
    const names = await exported();
    const used = new Set(
      [...dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr), JSON.stringify(dashboard.templating)].flatMap((e) => e.match(/\bnexus_top_[a-z0-9_]+/g) ?? []),
    );
    for (const needed of ['nexus_top_backend_up', 'nexus_top_backend_status', 'nexus_top_backend_flapping', 'nexus_top_backend_latency_ema_seconds', 'nexus_top_gpu_utilization_ratio', 'nexus_top_backend_gpu_memory_bytes', 'nexus_top_backend_requests_waiting', 'nexus_top_backend_kv_cache_usage_ratio', 'nexus_top_backend_slots_busy']) {
      expect(used).toContain(needed);
    }
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});
