export { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, formatAddress, MetricsAddressError, parseMetricsAddress, type MetricsAddress } from './address.js';
export { createFleetMetrics, METRIC_PREFIX, PROBE_DURATION_BUCKETS, STATUSES, type FleetMetrics } from './registry.js';
export { createMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.js';
