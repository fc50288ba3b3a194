import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareNames, rootOrderLocale } from './view-state.js';

const sign = (n: number): number => Math.sign(n);

describe('compareNames', () => {
  it('orders names as localeCompare does: plain names, capitals, underscores, accents, wide characters', () => {
    const alphabet = ['a', 'b', 'z', '0', '1', '9', '-', '.', '_', 'A', 'Z', 'é', '日', ' '];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const names = ['b0000', 'b0001', 'b0010', 'gpu-1', 'gpu-10', 'gpu-2', 'gpu.1', 'gpu1', 'gpu_1', 'a', 'aa', 'z', 'ch', 'h', 'y', 'i'];
    for (let i = 0; i < 2000; i++) names.push(Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.8 ? alphabet[Math.floor(random() * 8)]! : alphabet[Math.floor(random() * alphabet.length)]!)).join(''));
    for (let i = 0; i < names.length; i++) {
      const a = names[i]!;
      const b = names[(i * 31 + 7) % names.length]!;
      expect(sign(compareNames(a, b)), `${a} vs ${b}`).toBe(sign(a.localeCompare(b)));
    }
  });

  it('takes the short way only in a locale that keeps the root order', () => {
    expect(rootOrderLocale({})).toBe(true);
    expect(rootOrderLocale({ LANG: 'C.UTF-8' })).toBe(true);
    expect(rootOrderLocale({ LANG: 'en_GB.UTF-8' })).toBe(true);
    expect(rootOrderLocale({ LC_ALL: 'POSIX' })).toBe(true);
    expect(rootOrderLocale({ LANG: 'da_DK.UTF-8' })).toBe(false);
    expect(rootOrderLocale({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'lt_LT.UTF-8' })).toBe(false);
    expect(rootOrderLocale({ LANG: 'da_DK.UTF-8', LC_ALL: 'C' })).toBe(true);
  });

  it('agrees with what node itself collates in each of those locales (where the system knows them)', () => {
    // The locales ICU applies come from the environment; node collates `aa` after `z` in Danish.
    for (const env of [{ LC_ALL: 'C.UTF-8' }, { LANG: 'en_US.UTF-8' }, { LC_ALL: 'da_DK.UTF-8' }, { LANG: 'lt_LT.UTF-8' }]) {
      const r = spawnSync(process.execPath, ['-e', "console.log(['aa','z','y','j','ch','h','i'].sort((a,b)=>a.localeCompare(b)).join(' '))"], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
      const icu = r.stdout.trim();
      const plain = ['aa', 'z', 'y', 'j', 'ch', 'h', 'i'].sort().join(' ');
      if (rootOrderLocale(env)) expect(icu, JSON.stringify(env)).toBe(plain);
      else expect(icu === plain, `${JSON.stringify(env)}: node sorts ${icu}; the short way must not be taken`).toBe(false);
    }
  });
});
