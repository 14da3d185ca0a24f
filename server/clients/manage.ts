import { randomBytes } from 'node:crypto';

import type { Provider } from 'oidc-provider';

import type { AdapterPayload, Store } from '../../adapters/types.ts';
import type { Audit } from '../ops/audit.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { jwksUriProblems, usesSecret } from '../policy/client_metadata.ts';
import { applyLevelPolicy } from '../policy/registration.ts';
import { cibaDeliveryMetadata } from './ciba.ts';
import { metadataOf, type ClientChanges, type ClientInput } from './client_input.ts';
import { clientSummary } from './summary.ts';
import { digestClientSecret, generateClientSecret, isSecretDigest } from './secrets.ts';
import { ValtuusError } from '../../lib/errors.ts';

export { AUTH_METHODS, type AuthMethod } from './auth_methods.ts';
export type { ClientChanges, ClientInput } from './client_input.ts';

export interface ClientManagerOptions {
  /** production refuses a jwks_uri on a loopback or private address */
  production?: boolean;
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

/** What is safe to show: the stored metadata without the secret digest. */
export function publicView(metadata: AdapterPayload): Record<string, unknown> {
  const { client_secret: _digest, ...rest } = metadata;
  return rest;
}

/** Client registrations through the store oidc-provider reads clients from. */
export class ClientManager {
  readonly #provider: Provider;
  readonly #store: Store;
  readonly #registry: ApiRegistry;
  readonly #audit: Audit;
  readonly #production: boolean;

  constructor(provider: Provider, store: Store, registry: ApiRegistry, audit: Audit = () => undefined, options: ClientManagerOptions = {}) {
    this.#provider = provider;
    this.#store = store;
    this.#registry = registry;
    this.#audit = audit;
    this.#production = options.production ?? false;
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
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: [],
      ...metadataOf(input),
      token_endpoint_auth_method: method,
      ...(secret ? { client_secret: digestClientSecret(secret), client_secret_expires_at: 0 } : {}),
      ...(input.allowLegacyGrants ? { legacy_grants: true } : {}),
      ...cibaDeliveryMetadata(input.grantTypes, input.backchannelNotificationEndpoint),
      ...input.extra,
    };
    await this.#check(metadata, input.allowLegacyGrants ?? false);
    if (await this.#adapter.find(clientId)) throw new ClientError(`a client with id ${clientId} exists already`);
    await this.#adapter.upsert(clientId, metadata);
    this.#audit('client.created', {
      client_id: clientId,
      client_name: input.name,
      grant_types: input.grantTypes.join(' '),
      scope: input.scope,
    });
    return { ...this.#view(metadata), ...(secret ? { client_secret: secret } : {}) };
  }

  /**
   * Changes a registration in place: the client_id stays, and so do its secret and grants. A
   * change to a secret-based auth method issues a secret (shown once); a change away drops it.
   */
  async update(clientId: string, changes: ClientChanges): Promise<Record<string, unknown>> {
    const current = await this.#mustFind(clientId);
    const given = metadataOf(changes);
    const metadata: AdapterPayload = { ...current, ...given };
    // keys come from one place: a new inline set replaces a jwks_uri, and the other way round
    if (given.jwks) delete metadata.jwks_uri;
    if (given.jwks_uri) delete metadata.jwks;
    let secret: string | undefined;
    if (!usesSecret(String(metadata.token_endpoint_auth_method))) {
      delete metadata.client_secret;
      delete metadata.client_secret_expires_at;
    } else if (!isSecretDigest(metadata.client_secret)) {
      secret = generateClientSecret();
      Object.assign(metadata, { client_secret: digestClientSecret(secret), client_secret_expires_at: 0 });
    }
    await this.#check(metadata, current.legacy_grants === true);
    await this.#adapter.upsert(clientId, metadata);
    this.#audit('client.updated', { client_id: clientId, changed: Object.keys(given).join(' '), by: 'operator' });
    return { ...this.#view(metadata), ...(secret ? { client_secret: secret } : {}) };
  }

  /** One line per client: its APIs with their levels, grants, auth method and response profile. */
  async list(): Promise<Record<string, unknown>[]> {
    const all = await this.#adapter.list();
    return all
      .map((metadata) => clientSummary(this.#registry, metadata))
      .sort((a, b) => String(a.client_name).localeCompare(String(b.client_name)));
  }

  async show(clientId: string): Promise<Record<string, unknown>> {
    return this.#view(await this.#mustFind(clientId));
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

  #view(metadata: AdapterPayload): Record<string, unknown> {
    const { apis, token_response_profile } = clientSummary(this.#registry, metadata);
    return { ...publicView(metadata), apis, token_response_profile };
  }

  /** The level rules in an operator's words, then oidc-provider's own validation of the metadata. */
  async #check(metadata: AdapterPayload, legacyAllowed: boolean): Promise<void> {
    const { problems, implied } = applyLevelPolicy(this.#registry, metadata, legacyAllowed);
    problems.push(...jwksUriProblems(metadata.jwks_uri, this.#production));
    if (problems.length) throw new ClientError(`client refused by the API security levels:\n  - ${problems.join('\n  - ')}`);
    Object.assign(metadata, implied);
    await this.#validate(metadata);
  }

  async #validate(metadata: AdapterPayload): Promise<void> {
    try {
      await this.#provider.Client.validate(metadata as never);
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      const description = e.error_description ?? e.message ?? '';
      // the one refusal operators meet most: the code grant with no place to send the code
      const hint = description.startsWith('redirect_uris') ? ' (the authorization_code grant needs --redirect-uris)' : '';
      throw new ClientError(`invalid client: ${description}${hint}`);
    }
  }
}
