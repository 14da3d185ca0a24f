import { errors } from 'oidc-provider';

/**
 * RFC 8707 §2 lets `resource` repeat, and a request object may carry it as a list. Valtuus
 * serves one API per request (its level and its attributes decide the whole flow), so a list
 * of one is that one resource and a longer list is refused with `invalid_target` (§2:
 * "the authorization server ... MAY refuse"), at every endpoint alike.
 */
export function singleResource(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length > 1) {
    throw new errors.InvalidTarget('only one resource may be requested at a time: make one request per API');
  }
  const [only] = list;
  if (only === undefined) return undefined;
  if (typeof only !== 'string') throw new errors.InvalidTarget('resource must be an absolute URI');
  return only;
}
