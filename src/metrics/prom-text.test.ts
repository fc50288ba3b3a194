import { describe, expect, it } from 'vitest';
import { histogramOf, parsePromText, PromParseError, sampleValue } from '../../test/helpers/prom-text.js';

// The example of the exposition format documentation (text-based format), verbatim but for the summary's
// `_count`/`_sum` order and the dropped timestamps of the counters.
const SPEC_EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

describe('the strict Prometheus text parser the exporter tests read scrapes with', () => {
  it('reads the documentation example', () => {
    const f = parsePromText(SPEC_EXAMPLE);
    expect(f.get('http_requests_total')).toMatchObject({ type: 'counter', help: 'The total number of HTTP requests.' });
    expect(sampleValue(f, 'http_requests_total', { method: 'post', code: '400' })).toBe(3);
    expect(f.get('http_requests_total')!.samples[0]!.timestampMs).toBe(1395066363000);
    expect(sampleValue(f, 'msdos_file_access_time_seconds', { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' })).toBe(1.458255915e9);
    expect(sampleValue(f, 'metric_without_timestamp_and_labels')).toBe(12.47);
    expect(sampleValue(f, 'something_weird', { problem: 'division by zero' })).toBe(Infinity);
    const h = histogramOf(f.get('http_request_duration_seconds'), {})!;
    expect(h.count).toBe(144320);
    expect(h.sum).toBe(53423);
    expect([...h.buckets]).toEqual([
      [0.05, 24054],
      [0.1, 33444],
      [0.2, 100392],
      [0.5, 129389],
      [1, 133988],
      [Infinity, 144320],
    ]);
    expect(sampleValue(f, 'rpc_duration_seconds', { quantile: '0.99' })).toBe(76656);
    expect(sampleValue(f, 'rpc_duration_seconds_count')).toBe(2693);
  });

  it('keeps the labels of a histogram whatever the position of le', () => {
    const f = parsePromText(
      '# TYPE x histogram\nx_bucket{le="1",b="a b"} 0\nx_bucket{le="+Inf",b="a b"} 0\nx_sum{b="a b"} 0\nx_count{b="a b"} 0\n' +
        'x_bucket{b="c",le="1"} 1\nx_bucket{b="c",le="+Inf"} 2\nx_sum{b="c"} 2.5\nx_count{b="c"} 2\n',
    );
    expect(histogramOf(f.get('x'), { b: 'a b' })).toEqual({ buckets: new Map([[1, 0], [Infinity, 0]]), count: 0, sum: 0 });
    expect(histogramOf(f.get('x'), { b: 'c' })).toEqual({ buckets: new Map([[1, 1], [Infinity, 2]]), count: 2, sum: 2.5 });
  });

  it.each([
    ['no final newline', 'a 1'],
    ['a bad value', 'a one\n'],
    ['a bad name', '1a 1\n'],
    ['an unterminated label value', 'a{b="c} 1\n'],
    ['a bad escape', 'a{b="\\t"} 1\n'],
    ['a duplicate series', 'a{b="c"} 1\na{b="c"} 2\n'],
    ['a family split in two', 'a 1\nb 1\na{x="y"} 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['an unknown type', '# TYPE a meter\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a non-cumulative histogram', '# TYPE x histogram\nx_bucket{le="1"} 2\nx_bucket{le="+Inf"} 1\nx_sum 1\nx_count 1\n'],
    ['+Inf bucket differing from count', '# TYPE x histogram\nx_bucket{le="+Inf"} 1\nx_sum 1\nx_count 2\n'],
    ['a bucket without le', '# TYPE x histogram\nx_bucket 1\nx_sum 1\nx_count 1\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePromText(text)).toThrow(PromParseError);
  });
});
