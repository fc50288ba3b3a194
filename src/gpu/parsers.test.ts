import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAmdSmi, parseRocmSmi } from './amd.js';
import { parseNvidiaApps, parseNvidiaGpus } from './nvidia.js';
import { backendsByLocalPort, localPort, ownerOf, parseListeners, parsePpid, socketInode, type ProcessLookup } from './owner.js';
import { MIB } from './types.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/gpu/${name}`, import.meta.url), 'utf8');
const UNSAFE = /[\u0000-\u001f\u007f-\u009f]/;

const H100 = {
  index: 0,
  uuid: 'GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665',
  name: 'NVIDIA H100 80GB HBM3',
  vendor: 'nvidia',
  utilization: 0.87,
  memoryUsedBytes: 71234 * MIB,
  memoryTotalBytes: 81559 * MIB,
  temperatureC: 64,
  powerW: 512.37,
  powerLimitW: 700,
};

describe('nvidia-smi --query-gpu', () => {
  it('two GPUs, values in %, MiB, °C, W; a 0 is a real 0', () => {
    const { items, skipped } = parseNvidiaGpus(fixture('nvidia-smi_query-gpu.csv'));
    expect(skipped).toBe(0);
    expect(items).toEqual([
      H100,
      { ...H100, index: 1, uuid: 'GPU-3c1d2e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6', utilization: 0, memoryUsedBytes: 4 * MIB, temperatureC: 31, powerW: 69.81 },
    ]);
  });

  it('[Not Supported] and [N/A] are unknown, not 0', () => {
    expect(parseNvidiaGpus(fixture('nvidia-smi_query-gpu_na.csv')).items).toEqual([
      {
        index: 0,
        uuid: 'GPU-1a2b3c4d-0000-1111-2222-333344445555',
        name: 'NVIDIA GeForce GTX 770',
        vendor: 'nvidia',
        utilization: null,
        memoryUsedBytes: 1711 * MIB,
        memoryTotalBytes: 2047 * MIB,
        temperatureC: 52,
        powerW: null,
        powerLimitW: null,
      },
    ]);
    expect(parseNvidiaGpus('0, GPU-x, Card, N/A, 1, 2, N/A, N/A, N/A\n').items[0]).toMatchObject({ utilization: null, temperatureC: null, powerW: null });
  });

  it('the same query with its header and units reads the same', () => {
    expect(parseNvidiaGpus(fixture('nvidia-smi_query-gpu_units.csv'))).toEqual({ items: [H100], skipped: 0 });
  });

  it('garbage: a cut line, non-numbers and a name with a comma or escapes; what cannot be read is counted', () => {
    const text = [
      '0, GPU-a, NVIDIA A100, PCIe, 80GB, 10, 100, 200, 40, 50.5, 300.00',
      '1, GPU-b, NVIDIA A10\u001b]0;pwned\u0007, lots, 100, 200, hot, 50, 300',
      '2, GPU-c, NVIDIA L4, 5, 10',
      'garbage',
    ].join('\n');
    const { items, skipped } = parseNvidiaGpus(text);
    expect(skipped).toBe(2);
    expect(items[0]).toMatchObject({ index: 0, name: 'NVIDIA A100, PCIe, 80GB', utilization: 0.1, temperatureC: 40 });
    expect(items[1]).toMatchObject({ index: 1, name: 'NVIDIA A10', utilization: null, temperatureC: null });
    for (const g of items) expect(g.name).not.toMatch(UNSAFE);
  });

  it('a 1 MB output keeps at most 64 GPUs', () => {
    const line = (i: number) => `${i}, GPU-${i}, NVIDIA H100, 1, 2, 3, 4, 5, 6`;
    const text = Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n');
    expect(text.length).toBeGreaterThan(700_000);
    const { items, skipped } = parseNvidiaGpus(text);
    expect(items).toHaveLength(64);
    expect(skipped).toBe(20_000 - 64);
  });
});

describe('nvidia-smi --query-compute-apps', () => {
  it('host PIDs with the memory they hold; the process name last, as the workload named itself', () => {
    expect(parseNvidiaApps(fixture('nvidia-smi_compute-apps.csv'))).toEqual({
      items: [
        { gpuUuid: 'GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665', pid: 40170, name: '/opt/venv/bin/python3', memoryBytes: 70112 * MIB },
        { gpuUuid: 'GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665', pid: 40233, name: 'VLLM::EngineCore', memoryBytes: 1024 * MIB },
        { gpuUuid: 'GPU-3c1d2e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6', pid: 51002, name: '/usr/local/bin/llama-server', memoryBytes: 7311 * MIB },
      ],
      skipped: 0,
    });
    expect(parseNvidiaApps(fixture('nvidia-smi_compute-apps_empty.csv'))).toEqual({ items: [], skipped: 0 });
  });

  it('a name with commas and escape sequences; [N/A] memory; a bad PID is skipped', () => {
    const { items, skipped } = parseNvidiaApps('GPU-a, 7, [N/A], python3 -m vllm, --tp 2 \u001b[2J\u009b31m\nGPU-a, zero, 5, x\nGPU-a, 8\n');
    expect(skipped).toBe(2);
    expect(items).toEqual([{ gpuUuid: 'GPU-a', pid: 7, name: 'python3 -m vllm, --tp 2', memoryBytes: null }]);
  });
});

describe('AMD: rocm-smi --json and amd-smi metric --json', () => {
  it('rocm-smi: every value a string; the edge sensor; no limit or uuid when the tool gives none', () => {
    expect(parseRocmSmi(fixture('rocm-smi_json.json'))).toEqual({
      items: [
        {
          index: 0,
          uuid: null,
          name: 'AMD Instinct MI210',
          vendor: 'amd',
          utilization: 0.73,
          memoryUsedBytes: 51539607552,
          memoryTotalBytes: 68702699520,
          temperatureC: 58,
          powerW: 231,
          powerLimitW: null,
        },
      ],
      skipped: 0,
    });
  });

  it('amd-smi: {value, unit} pairs, "N/A" unsupported; the newer {"gpu_data": [...]} wrapping too', () => {
    const expected = {
      items: [{ index: 0, uuid: null, name: null, vendor: 'amd', utilization: 0.42, memoryUsedBytes: 40110 * MIB, memoryTotalBytes: 65520 * MIB, temperatureC: 49, powerW: 212, powerLimitW: null }],
      skipped: 0,
    };
    const text = fixture('amd-smi_metric.json');
    expect(parseAmdSmi(text)).toEqual(expected);
    expect(parseAmdSmi(`{"gpu_data": ${text}}`)).toEqual(expected);
    expect(parseAmdSmi('[{"gpu": 0, "usage": {"gfx_activity": "N/A"}, "temperature": "N/A"}]')!.items[0]).toMatchObject({ utilization: null, temperatureC: null });
  });

  it('garbage: not JSON, truncated, the wrong shape', () => {
    for (const parse of [parseRocmSmi, parseAmdSmi]) {
      expect(parse('ERROR: GPU[0] : something went wrong')).toBeNull();
      expect(parse(fixture('rocm-smi_json.json').slice(0, 100))).toBeNull();
    }
    expect(parseAmdSmi('{"gpus": 3}')).toBeNull();
    expect(parseRocmSmi('{"card0": "broken", "card1": {"GPU use (%)": "5"}}')).toMatchObject({ skipped: 1, items: [{ index: 1, utilization: 0.05 }] });
  });
});

describe('which backend a GPU process serves', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:1F41 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1',
    '   2: 00000000:2B67 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 100 0 0 10 0',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000000000000:2CD2 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0',
  ].join('\n');

  it('reads the listening sockets of /proc/net/tcp and tcp6 (port, inode), not the connections', () => {
    expect(parseListeners(tcp)).toEqual([
      { port: 8000, inode: 1001 },
      { port: 11111, inode: 1003 },
    ]);
    expect(parseListeners(tcp6)).toEqual([{ port: 11474, inode: 1004 }]);
    expect(parseListeners('garbage\n\n')).toEqual([]);
  });

  it('reads PPid and socket links', () => {
    expect(parsePpid('Name:\tpython3\nState:\tS (sleeping)\nPid:\t40233\nPPid:\t40170\n')).toBe(40170);
    expect(parsePpid('Name:\tx\n')).toBeNull();
    expect(socketInode('socket:[1001]')).toBe(1001);
    expect(socketInode('/dev/nvidia0')).toBeNull();
  });

  it('backends on this host, by port: localhost, 127.x, ::1 and the machine\'s own addresses; default ports', () => {
    const local = new Set(['10.1.2.3']);
    expect(localPort('http://127.0.0.1:8000', local)).toBe(8000);
    expect(localPort('http://localhost:11434/', local)).toBe(11434);
    expect(localPort('http://[::1]:9000', local)).toBe(9000);
    expect(localPort('https://10.1.2.3', local)).toBe(443);
    expect(localPort('http://gpu2:8000', local)).toBeNull();
    expect(localPort('not a url', local)).toBeNull();
    expect(backendsByLocalPort([{ name: 'a', url: 'http://127.0.0.1:8000' }, { name: 'b', url: 'http://localhost:8000' }, { name: 'c', url: 'http://far:1' }], local)).toEqual(new Map([[8000, 'a']]));
  });

  it('a worker is mapped through its parent that listens; what cannot be read or listens elsewhere is unmapped, said why', () => {
    // 40170 listens on :8000 (vLLM's API server); 40233 (VLLM::EngineCore) is its child; 51002 holds no backend's port.
    const sockets: Record<number, number[] | null> = { 40170: [1001, 77], 40233: [], 51002: [1003], 60000: null };
    const parents: Record<number, number> = { 40233: 40170, 40170: 1, 51002: 1, 60000: 1 };
    const proc: ProcessLookup = { sockets: (p) => sockets[p] ?? null, parent: (p) => parents[p] ?? null, name: () => null };
    const listeners = new Map(parseListeners(tcp).map((l) => [l.inode, l.port]));
    const backends = new Map([[8000, 'vllm-a100']]);
    expect(ownerOf(40170, listeners, backends, proc)).toEqual({ backend: 'vllm-a100', via: 40170 });
    expect(ownerOf(40233, listeners, backends, proc)).toEqual({ backend: 'vllm-a100', via: 40170 });
    expect(ownerOf(51002, listeners, backends, proc)).toEqual({ backend: null, why: 'it listens on no configured backend’s port' });
    expect(ownerOf(60000, listeners, backends, proc)).toMatchObject({ backend: null, why: expect.stringMatching(/could not be read/) });
    // A loop in the parent chain (garbage) ends.
    const loop: ProcessLookup = { sockets: () => [], parent: (p) => (p === 5 ? 6 : 5), name: () => null };
    expect(ownerOf(5, listeners, backends, loop)).toMatchObject({ backend: null });
  });
});

describe('bench/gpu-capture.sh', () => {
  it('records exactly the commands nexus-top runs (so its captures fit these parsers)', async () => {
    const { NVIDIA_GPU_ARGS, NVIDIA_APPS_ARGS } = await import('./nvidia.js');
    const { ROCM_SMI_ARGS, AMD_SMI_ARGS } = await import('./amd.js');
    const script = readFileSync(new URL('../../bench/gpu-capture.sh', import.meta.url), 'utf8');
    for (const command of [['nvidia-smi', ...NVIDIA_GPU_ARGS], ['nvidia-smi', ...NVIDIA_APPS_ARGS], ['rocm-smi', ...ROCM_SMI_ARGS], ['amd-smi', ...AMD_SMI_ARGS]]) {
      expect(script).toContain(` ${command.join(' ')}\n`);
    }
  });
});
