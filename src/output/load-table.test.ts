/** LOAD in the `--once` table. */
import { describe, expect, it } from 'vitest';
import { configOf, ok } from '../../test/helpers/fleet.js';
import { storeWith } from '../../test/helpers/render-app.js';
import { NO_FIGURES } from '../core/load.js';
import { onceText } from './table.js';

function fleet(withLoad: boolean) {
  const { store, clock } = storeWith(configOf(['vllm', 'llamacpp', 'ollama', 'broken', 'plain']), { vllm: [ok()], llamacpp: [ok()], ollama: [ok()], broken: [ok()], plain: [ok()] });
  if (withLoad) {
    const at = clock.now();
    store.setLoad({ backend: 'vllm', at, figures: { ...NO_FIGURES, running: 12, waiting: 3, kvCache: 0.87 }, sources: ['metrics'], error: null });
    store.setLoad({ backend: 'llamacpp', at, figures: { ...NO_FIGURES, running: 2, slots: { busy: 2, total: 2 } }, sources: ['slots'], error: null });
    store.setLoad({ backend: 'ollama', at, figures: { ...NO_FIGURES, loadedModels: [{ name: 'qwen3:14b', sizeBytes: 10, vramBytes: 8, expiresAt: null }] }, sources: ['ps'], error: null });
    store.setLoad({ backend: 'broken', at, figures: NO_FIGURES, sources: [], error: { kind: 'timeout', message: 'no answer' } });
    store.flush();
  }
  return store.getSnapshot();
}

const rowOf = (text: string, name: string): string => text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

describe('LOAD in the --once table', () => {
  it('a column after LATENCY, in words, when some backend has load', () => {
    const text = onceText(fleet(true));
    expect(text.split('\n')[0]).toMatch(/^NAME +TYPE +STATUS +LATENCY +LOAD +MODELS +LAST ERROR$/);
    expect(rowOf(text, 'vllm')).toMatch(/ms +run 12, wait 3, kv 87% +1$/);
    expect(rowOf(text, 'llamacpp')).toMatch(/ms +slots 2\/2 +1$/);
    expect(rowOf(text, 'ollama')).toMatch(/ms +1 model, part CPU +1$/);
    expect(rowOf(text, 'broken')).toMatch(/ms +\? \(timeout\) +1$/);
    expect(rowOf(text, 'plain')).toMatch(/ms +- +1$/);
  });

  it('no column when no backend has load', () => {
    expect(onceText(fleet(false))).not.toMatch(/LOAD/);
  });
});
