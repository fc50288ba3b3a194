/**
 * The three pieces of undici a probe uses, loaded from their own modules. The package's index also
 * evaluates fetch, WebSocket, EventSource, the cache stores, the mocks and every interceptor at start-up
 * (a few MB of heap and code nexus-top never runs); these modules are the same code `import … from
 * 'undici'` would hand out (same version, same files).
 */
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import requestImpl from 'undici/lib/api/api-request.js';
import buildConnectorImpl from 'undici/lib/core/connect.js';
import type { Agent as AgentType, Dispatcher, buildConnector as BuildConnectorType } from 'undici';

export const Agent: typeof AgentType = AgentImpl;
export type Agent = AgentType;
export const buildConnector: typeof BuildConnectorType = buildConnectorImpl;

/**
 * `Dispatcher.prototype.request` (the index attaches it to every dispatcher): one request on `dispatcher`,
 * given its origin and path already split (what `undici.request(url, …)` works out from the URL each call).
 */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return requestImpl.call(dispatcher, options);
}
