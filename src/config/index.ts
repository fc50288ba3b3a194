export { BACKEND_TYPES, DEFAULT_HEALTH, DEFAULT_TOP } from './types.js';
export type { BackendConfig, BackendType, Config, HealthSettings, TopSettings } from './types.js';
export { ConfigError, formatConfigError, type ConfigErrorWhere } from './errors.js';
export { parseDuration } from './duration.js';
export { CONFIG_ENV, implicitConfigPaths, locateConfig, type LocateOptions, type LocatedConfig } from './locate.js';
export { DEFAULT_BACKEND, parseConfig, type ConfigOverrides } from './parse.js';
export { loadConfig, MAX_CONFIG_BYTES, readConfigText } from './load.js';
