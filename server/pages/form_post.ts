import type { KoaContextWithOIDC, default as Provider, UnknownObject } from 'oidc-provider';

import { FORM_POST_SCRIPT_PATH } from './assets.ts';
import { chosenInSignIn } from './i18n/negotiate.ts';
import { formActionSource } from './headers.ts';
import type { Pages } from './kit.ts';

// as oidc-provider's own form_post: these statuses are kept, any other becomes 200 or 400
const KEPT_STATUSES = new Set([200, 400, 500]);

/**
 * The Form Post Response Mode page (OAuth 2.0 Form Post Response Mode §2) as one of the bank's
 * pages: the customer's language, the brand, a phone-sized button for browsers without
 * JavaScript, and its script from this server (script-src 'self', no inline script).
 */
export function formPostPage(pages: Pages) {
  return async function renderFormPost(ctx: KoaContextWithOIDC, action: string, payload: UnknownObject): Promise<void> {
    if (!KEPT_STATUSES.has(ctx.status)) ctx.status = 'error' in payload ? 400 : 200;
    const language = pages.language(ctx, { uiLocales: ctx.oidc.params?.ui_locales, chosen: chosenInSignIn(ctx) });
    const clientName = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? '';
    const target = formActionSource(action);
    const inputs = Object.entries(payload)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => ({ name, value: String(value) }));
    await pages.render(ctx, language, {
      view: 'form_post',
      title: language.t('formPost.title', { client: clientName }),
      status: ctx.status,
      formTargets: target ? [target] : [],
      scripts: [FORM_POST_SCRIPT_PATH],
      // switching language would replay a finished authorization
      switcher: false,
      locals: { action, inputs, clientName },
    });
  };
}

/**
 * oidc-provider registers its response modes from its constructor through `registerResponseMode`,
 * which keeps the first handler of a name: this subclass hands it Valtuus' page for form_post.
 */
export function withFormPostPage(Base: typeof Provider, pages: Pages): typeof Provider {
  const render = formPostPage(pages);
  return class FormPostPageProvider extends Base {
    override registerResponseMode(
      name: string,
      handler: (ctx: KoaContextWithOIDC, redirectUri: string, payload: UnknownObject) => void | Promise<void>,
    ): void {
      super.registerResponseMode(name, name === 'form_post' ? render : handler);
    }
  };
}
