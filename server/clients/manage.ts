import { randomBytes } from 'node:crypto';

import type { Provider } from 'oidc-provider';

import type { AdapterPayload, Store } from '../../adapters/types.ts';
import type { Audit } from '../ops/audit.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { applyLevelPolicy } from '../policy/registration.ts';
import { digestClientSecret, generateClientSecret } from './secrets.ts';
import type { AuthMethod } from './auth_methods.ts';
import { ValtuusError } from '../../lib/errors.ts';

export { AUTH_METHODS, type AuthMethod } from './auth_methods.ts';

export interface ClientInput {
  name: string;
  grantTypes: string[];
  redirectUris?: string[];
  scope?: string;
  authMethod?: AuthMethod;
  jwksUri?: string;
  jwks?: { keys: object[] };
  extra?: Record<string, unknown>;
  /** implicit and password are off unless a client is registered with this flag */
  allowLegacyGrants?: boolean;
  /** fixed ids for the sandbox's demo client; otherwise generated */
  clientId?: string;
  clientSecret?: string;
}

/** A registration the admin CLI or the sandbox asked for that cannot be made (400, exposed). */
export class ClientError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_CLIENT';
  override readonly code = 'ERR_VALTUUS_CLIENT';

  constructor(message: string) {
    super(message, { status: 400 });
  }
}

/**
 * 128 random bits, base64url, never beginning with `-` or `_`: an id that begins with `-` reads
 * as an option on a command line (the admin CLI takes such existing ids after `--`).
 */
export function generateClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

const usesSecret = (method: string) => method === 'client_secret_basic' || method === 'client_secret_post';

/** What is safe to show: the stored metadata without the secret digest. */
export function publicView(metadata: AdapterPayload): Record<string, unknown> {
  const { client_secret: _digest, ...rest } = metadata;
  return rest;
}

function responseTypesFor(grantTypes: string[]): string[] {
  return [...(grantTypes.includes('authorization_code') ? ['code'] : []), ...(grantTypes.includes('implicit') ? ['id_token token'] : [])];
}

/** Client registrations through the store oidc-provider reads clients from. */
export class ClientManager {
  readonly #provider: Provider;
  readonly #store: Store;
  readonly #registry: ApiRegistry;
  readonly #audit: Audit;

  constructor(provider: Provider, store: Store, registry: ApiRegistry, audit: Audit = () => undefined) {
    this.#provider = provider;
    this.#store = store;
    this.#registry = registry;
    this.#audit = audit;
  }

  get #adapter() {
    return this.#store.adapter('Client');
  }

  async create(input: ClientInput): Promise<Record<string, unknown>> {
    const method = input.authMethod ?? (input.jwksUri || input.jwks ? 'private_key_jwt' : 'client_secret_basic');
    const clientId = input.clientId ?? generateClientId();
    const secret = usesSecret(method) ? (input.clientSecret ?? generateClientSecret()) : undefined;
    const metadata: AdapterPayload = {
      client_id: clientId,
      client_name: input.name,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      grant_types: input.grantTypes,
      response_types: responseTypesFor(input.grantTypes),
      redirect_uris: input.redirectUris ?? [],
      token_endpoint_auth_method: method,
      ...(input.scope ? { scope: input.scope } : {}),
      ...(input.jwksUri ? { jwks_uri: input.jwksUri } : {}),
      ...(input.jwks ? { jwks: input.jwks } : {}),
      ...(secret ? { client_secret: digestClientSecret(secret), client_secret_expires_at: 0 } : {}),
      ...(input.allowLegacyGrants ? { legacy_grants: true } : {}),
      ...input.extra,
    };
    const { problems, implied } = applyLevelPolicy(this.#registry, metadata, input.allowLegacyGrants ?? false);
    if (problems.length) throw new ClientError(`client refused by the API security levels:\n  - ${problems.join('\n  - ')}`);
    Object.assign(metadata, implied);
    await this.#validate(metadata);
    if (await this.#adapter.find(clientId)) throw new ClientError(`a client with id ${clientId} exists already`);
    await this.#adapter.upsert(clientId, metadata);
    this.#audit('client.created', {
      client_id: clientId,
      client_name: input.name,
      grant_types: input.grantTypes.join(' '),
      scope: input.scope,
    });
    return { ...publicView(metadata), ...(secret ? { client_secret: secret } : {}) };
  }

  async list(): Promise<Record<string, unknown>[]> {
    const all = await this.#adapter.list();
    return all.map(publicView).sort((a, b) => String(a.client_name).localeCompare(String(b.client_name)));
  }

  async show(clientId: string): Promise<Record<string, unknown>> {
    return publicView(await this.#mustFind(clientId));
  }

  async rotateSecret(clientId: string): Promise<Record<string, unknown>> {
    const metadata = await this.#mustFind(clientId);
    if (!usesSecret(String(metadata.token_endpoint_auth_method))) {
      throw new ClientError(
        `client ${clientId} authenticates with ${String(metadata.token_endpoint_auth_method)}; it has no secret to rotate`,
      );
    }
    const secret = generateClientSecret();
    await this.#adapter.upsert(clientId, { ...metadata, client_secret: digestClientSecret(secret) });
    this.#audit('client.secret_rotated', { client_id: clientId });
    return { client_id: clientId, client_secret: secret };
  }

  async delete(clientId: string): Promise<{ client_id: string; deleted: true }> {
    await this.#mustFind(clientId);
    await this.#adapter.destroy(clientId);
    this.#audit('client.deleted', { client_id: clientId });
    return { client_id: clientId, deleted: true };
  }

  async #mustFind(clientId: string): Promise<AdapterPayload> {
    const metadata = await this.#adapter.find(clientId);
    if (!metadata) throw new ClientError(`no client with id ${clientId}`);
    return metadata;
  }

  async #validate(metadata: AdapterPayload): Promise<void> {
    try {
      await this.#provider.Client.validate(metadata as never);
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      throw new ClientError(`invalid client: ${e.error_description ?? e.message}`);
    }
  }
}
