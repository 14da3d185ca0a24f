import type { Provider } from 'oidc-provider';

import type { Adapter, AdapterPayload } from '../../adapters/types.ts';

type ClientFinder = { find(id: string): Promise<unknown> };

/**
 * oidc-provider turns a client's stored properties into a Client on every look-up: it
 * serialises them, hashes that with SHA-256 and looks the digest up in an LRU of 100 Clients,
 * validating them afresh on a miss (2–3 % of a token request's CPU, and a validation per
 * request once more than 100 clients are in use). Valtuus' client cache (cache.ts) hands out
 * the same properties object until the client changes or the entry expires, so that object
 * stands for its Client here: while it is cached, its Client is kept beside it. A changed
 * client comes back as a new object, which meets oidc-provider's own path first. A store that
 * decodes afresh on every read (the memory store) simply never hits.
 */
export function reuseClientInstances(provider: Provider, adapter: Adapter): void {
  const Client = provider.Client as unknown as ClientFinder;
  const find = Client.find.bind(Client);
  const known = new WeakMap<AdapterPayload, unknown>();
  Client.find = async function findKnownClient(id: string) {
    if (typeof id !== 'string' || id.length === 0) return find(id);
    const properties = await adapter.find(id);
    const client = properties && known.get(properties);
    if (client) return client;
    const found = await find(id);
    if (properties && found) known.set(properties, found);
    return found;
  };
}
