import type { BackendType } from '../config/types.js';
import { anthropicDriver } from './anthropic.js';
import { googleDriver } from './google.js';
import { llamacppDriver } from './llamacpp.js';
import { ollamaDriver } from './ollama.js';
import { exoDriver, genericDriver, lmstudioDriver, openaiDriver, vllmDriver } from './openai.js';
import type { BackendDriver } from './types.js';

export { parseAnthropicModels } from './anthropic.js';
export { parseGoogleModels } from './google.js';
export { parseLlamacppHealth, parseLlamacppModels } from './llamacpp.js';
export { parseOllamaTags } from './ollama.js';
export { parseOpenAIModels } from './openai.js';

const DRIVERS: Record<BackendType, BackendDriver> = {
  ollama: ollamaDriver,
  vllm: vllmDriver,
  llamacpp: llamacppDriver,
  exo: exoDriver,
  openai: openaiDriver,
  lmstudio: lmstudioDriver,
  generic: genericDriver,
  anthropic: anthropicDriver,
  google: googleDriver,
};

/** The driver of a backend type. */
export function driverFor(type: BackendType): BackendDriver {
  const driver = DRIVERS[type];
  if (!driver) throw new Error(`unknown backend type: ${String(type)}`);
  return driver;
}
