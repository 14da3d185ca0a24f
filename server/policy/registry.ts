import type { ApiDefinition } from '../../config/index.ts';
import { isFapi2 } from './levels.ts';

/** Look-ups over the API registry, built once at start. */
export class ApiRegistry {
  readonly apis: readonly ApiDefinition[];
  readonly #byScope = new Map<string, ApiDefinition>();
  readonly #byResource = new Map<string, ApiDefinition>();

  constructor(apis: readonly ApiDefinition[]) {
    this.apis = apis;
    for (const api of apis) {
      this.#byResource.set(api.resource, api);
      for (const scope of api.scopes) this.#byScope.set(scope.name, api);
    }
  }

  byScope(scope: string): ApiDefinition | undefined {
    return this.#byScope.get(scope);
  }

  byResource(resource: string): ApiDefinition | undefined {
    return this.#byResource.get(resource);
  }

  byId(id: string): ApiDefinition | undefined {
    return this.apis.find((api) => api.id === id);
  }

  /** The APIs that a set of scopes belongs to (scopes of no API are ignored). */
  apisOf(scopes: Iterable<string>): Set<ApiDefinition> {
    const found = new Set<ApiDefinition>();
    for (const scope of scopes) {
      const api = this.#byScope.get(scope);
      if (api) found.add(api);
    }
    return found;
  }

  /** Whether a client's registered scopes include one of a high API (FAPI 2.0 applies). */
  isHighClient(scope: string | undefined): boolean {
    return [...this.apisOf(scope?.split(' ') ?? [])].some(isFapi2);
  }

  describe(api: ApiDefinition): string {
    return `the ${api.name} API (${api.resource}, level ${api.level})`;
  }
}
