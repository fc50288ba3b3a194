import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, configOf, ok } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, storeWith } from '../../test/helpers/render-app.js';

/** The detail pane says which check ran; the table's MODELS column says `-` for a check that lists none. */
let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function fleet() {
  const config = configOf([]);
  config.backends = [
    backend('a-http'),
    backend('b-tcp', { url: 'http://10.0.0.5:8000', check: { kind: 'tcp', also: false } }),
    backend('c-cmd', { url: 'http://10.0.0.6:8000', check: { kind: 'command', also: true, argv: ['./check.sh', '${url}', '\u001b]0;x\u0007--token=s3cr3t-value'], cwd: '/etc' } }),
  ];
  return storeWith(config, { 'a-http': [ok()], 'b-tcp': [ok(null)], 'c-cmd': [{ outcome: 'failure', kind: 'command', message: 'exit 3: not ready' }] });
}

async function detailOf(downs: number): Promise<string> {
  app = renderApp(fleet().store);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  await app.press(...Array<string>(downs).fill('j'), KEYS.enter);
  await vi.waitFor(() => expect(app!.screen()).toMatch(/^\s*check\s/m));
  return app.screen();
}

describe('which check ran', () => {
  it('shows - for the models of a tcp check', async () => {
    app = renderApp(fleet().store);
    await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
    const lines = app.screen().split('\n');
    const header = lines.find((l) => l.includes('MODELS')) ?? '';
    const row = lines.find((l) => l.includes(' b-tcp ')) ?? '';
    const models = header.indexOf('MODELS');
    expect(row, app.screen()).toMatch(/healthy.*12ms/);
    // The MODELS column (right-aligned under its header) holds a lone -.
    expect(row.slice(models, models + 'MODELS'.length).trim(), app.screen()).toBe('-');
  });

  it('is in the detail pane: http, tcp connect HOST:PORT, the command shown safe', async () => {
    expect(await detailOf(0)).toMatch(/^check\s+http$/m);
    const tcp = await detailOf(1);
    app?.unmount();
    expect(tcp).toMatch(/^check\s+tcp connect 10\.0\.0\.5:8000$/m);
    expect(tcp).toMatch(/^models\s+never listed$/m);
    const cmd = await detailOf(2);
    expect(cmd).toMatch(/^check\s+http and command: \.\/check\.sh \$\{url\} /m);
    expect(cmd).toContain('--token=***');
    expect(cmd).not.toContain('s3cr3t');
    expect(cmd).toMatch(/command: exit 3: not ready/);
  });
});
