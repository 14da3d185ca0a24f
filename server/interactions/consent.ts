import type { Context } from 'koa';
import { errors, type Interaction } from 'oidc-provider';

import { carriedByApiTokens } from '../policy/api_tokens.ts';
import { authorizationAttributeValues, keepGrantAttributes } from '../policy/attributes.ts';
import { requestedDetails } from '../policy/authorization_details.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { readForm } from '../pages/form.ts';
import { assertCsrf, finishInteraction, languageResult, seeOther, stepLanguage, type InteractionDeps, type Step } from './context.ts';
import { consentLifetime, inLanguage, permissionGroups, type ConsentDetails, type PermissionGroup } from './consent_texts.ts';
import type { MessageKey } from '../pages/i18n/catalogue.ts';
import type { PageLanguage } from '../pages/kit.ts';
import { APPS_PATH } from './apps/paths.ts';
import { paymentsToShow } from './payment_consent.ts';

function consentDetails(interaction: Interaction): ConsentDetails {
  return interaction.prompt.details as ConsentDetails;
}

/** What is new; or, when nothing is (the client sent prompt=consent), everything requested. */
function groupsToShow(registry: ApiRegistry, interaction: Interaction, language: PageLanguage): PermissionGroup[] {
  const groups = permissionGroups(registry, consentDetails(interaction), language);
  if (groups.length) return groups;
  return permissionGroups(registry, { missingOIDCScope: String(interaction.params.scope ?? '').split(' ') }, language);
}

function customerOf(step: Step): string {
  const accountId = step.interaction.session?.accountId;
  if (!accountId) throw new errors.SessionNotFound('the sign-in has ended; start again from the application');
  return accountId;
}

const httpsOnly = (uri: string | undefined) => (uri && URL.parse(uri)?.protocol === 'https:' ? uri : undefined);

/** The pages the client registered about itself, for the customer to check who is asking. */
function clientLinks(step: Step, language: PageLanguage): { label: string; href: string }[] {
  const { clientUri, policyUri, tosUri } = step.clientPages;
  const links: [MessageKey, string | undefined][] = [
    ['consent.clientWebsite', clientUri],
    ['consent.clientPrivacy', policyUri],
    ['consent.clientTerms', tosUri],
  ];
  return links.flatMap(([key, uri]) => (httpsOnly(uri) ? [{ label: language.t(key, { client: step.clientName }), href: uri! }] : []));
}

export async function showConsent(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const logo = httpsOnly(step.clientPages.logoUri);
  const username = await deps.accounts.usernameOf(customerOf(step));
  if (username === undefined) throw new errors.SessionNotFound('the sign-in has ended; start again from the application');
  const language = stepLanguage(ctx, deps, step);
  // a payment comes first: the customer approves this amount to this payee (PSD2 RTS art. 5)
  const payments = paymentsToShow(step.interaction.params, language);
  await deps.pages.render(ctx, language, {
    view: 'consent',
    title: payments.length ? language.t('payment.title') : language.t('consent.title', { client: step.clientName }),
    here: step.paths.page,
    formTargets: step.formTargets,
    imageSources: logo ? [new URL(logo).origin] : [],
    locals: {
      payments,
      clientName: step.clientName,
      clientLogo: logo ?? '',
      clientLinks: clientLinks(step, language),
      username,
      groups: groupsToShow(deps.registry, step.interaction, language),
      details: authorizationAttributeValues(deps.registry, step.interaction.params).map(({ attribute, value }) => ({
        label: inLanguage(language.locale, attribute.description, attribute.descriptions),
        value,
      })),
      lifetime: consentLifetime(deps.registry, step.interaction, language.locale),
      appsHref: APPS_PATH,
      action: step.paths.consent,
      csrf: step.state.csrf,
    },
  });
}

/** Audit lines name the customer as operators know them (the CLI takes usernames) as well as by `sub`. */
function usernameOf(deps: InteractionDeps, sub: string): Promise<string | undefined> {
  return deps.accounts.usernameOf(sub);
}

/**
 * A grant's `exp` is set in the payload it is stored with, not on the instance that saved it;
 * `remainingTTL` is what the save used (the configured lifetime of a new grant, or what an
 * existing one had left), so nothing is read back.
 */
function grantSecondsLeft(grant: { remainingTTL: number }): number {
  return grant.remainingTTL;
}

/**
 * An authorization with details to confirm (an API's extra attributes, or RFC 9396
 * authorization details such as a payment) gets a grant of its own, holding exactly what was
 * asked and those details, so that no other authorization can change what its tokens carry.
 */
async function grantWithDetails(deps: InteractionDeps, step: Step, accountId: string, clientId: string): Promise<string | undefined> {
  const { params } = step.interaction;
  const details = authorizationAttributeValues(deps.registry, params);
  const authorizationDetails = requestedDetails(params);
  if (!details.length && !authorizationDetails.length) return undefined;
  const grant = new deps.provider.Grant({ accountId, clientId });
  const scopes = String(params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  // oidc-provider counts API scopes among its own (they are in its `scopes`), so both lists get them
  grant.addOIDCScope(scopes.join(' '));
  grant.addResourceScope(
    String(params.resource),
    scopes.filter((s) => carriedByApiTokens(deps.registry.byResource(String(params.resource)), s)).join(' '),
  );
  // exactly what the page showed; the code and the token carry these and nothing else (RFC 9396 §7)
  for (const detail of authorizationDetails) grant.addRar(detail);
  const grantId = await grant.save();
  const ttl = grantSecondsLeft(grant);
  await keepGrantAttributes(deps.store, grantId, Object.fromEntries(details.map(({ attribute, value }) => [attribute.name, value])), ttl);
  deps.audit('consent.granted', {
    sub: accountId,
    username: await usernameOf(deps, accountId),
    client_id: clientId,
    grant_id: grantId,
    scope: scopes.join(' '),
    details: [...details.map((d) => d.attribute.name), ...authorizationDetails.map((d) => d.type)].join(' '),
  });
  return grantId;
}

/** Adds what the customer allowed to their grant for this client, and remembers that grant for next time. */
async function grantConsent(deps: InteractionDeps, step: Step): Promise<string> {
  const { provider, consents } = deps;
  const accountId = customerOf(step);
  const clientId = String(step.interaction.params.client_id);
  const detailed = await grantWithDetails(deps, step, accountId, clientId);
  if (detailed) return detailed;
  const existing = step.interaction.grantId ? await provider.Grant.find(step.interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const details = consentDetails(step.interaction);
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await consents.remember(accountId, clientId, grantId, grantSecondsLeft(grant));
  const added = [...new Set([...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()])];
  deps.audit('consent.granted', {
    sub: accountId,
    username: await usernameOf(deps, accountId),
    client_id: clientId,
    grant_id: grantId,
    scope: added.join(' '),
  });
  return grantId;
}

export async function submitConsent(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const form = await readForm(ctx);
  assertCsrf(step, form.get('csrf'));
  if (step.interaction.prompt.name !== 'consent') return seeOther(ctx, step.paths.page);

  const decision = form.get('decision');
  if (decision === 'deny') {
    return endWithAccessDenied(ctx, deps, step, 'the customer did not allow the access');
  }
  if (decision !== 'allow') throw new errors.InvalidRequest('choose Allow or Deny');
  const grantId = await grantConsent(deps, step);
  const returnTo = await finishInteraction(step, { consent: { grantId }, ...languageResult(step) }, { mergeWithLastSubmission: true });
  return seeOther(ctx, returnTo);
}

/** Ends the authorization at the client with `access_denied` (with `state` and `iss`, as every response). */
export async function endWithAccessDenied(ctx: Context, deps: InteractionDeps, step: Step, description: string): Promise<void> {
  const sub = step.interaction.session?.accountId ?? step.state.accountId;
  deps.audit('consent.denied', {
    sub,
    username: sub ? await usernameOf(deps, sub) : undefined,
    client_id: String(step.interaction.params.client_id),
    reason: description,
  });
  const returnTo = await finishInteraction(
    step,
    { error: 'access_denied', error_description: description, ...languageResult(step) },
    { mergeWithLastSubmission: false },
  );
  return seeOther(ctx, returnTo);
}

/** The cancel link (a GET, so it carries the form token in its query). */
export async function cancel(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  assertCsrf(step, ctx.query.csrf);
  return endWithAccessDenied(ctx, deps, step, 'the customer cancelled the sign-in');
}
