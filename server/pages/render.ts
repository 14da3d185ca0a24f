import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Context } from 'koa';
import views from 'koa-views';

import { setPageHeaders } from './headers.ts';

export const STYLESHEET_PATH = '/assets/valtuus.css';

/** views/ beside the sources, or beside dist/ once compiled. */
function viewsDirectory(): string {
  for (const relative of ['../../views/', '../../../views/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}layout.ejs`)) return dir;
  }
  throw new Error('views/ not found next to the server code');
}

export const VIEWS_DIR = viewsDirectory();

// compiled templates are cached: they do not change while the server runs
const viewsMiddleware = views(VIEWS_DIR, { extension: 'ejs', autoRender: false, options: { cache: true } });

type Renderable = { render?: (view: string, locals?: object) => Promise<unknown>; state?: object; response: object };

/**
 * Renders views/<view>.ejs inside the layout and returns the HTML. The target is a Koa context,
 * or for the template tests any object with a `response`: koa-views attaches `render` to both.
 */
export async function renderDocument(target: Renderable, view: string, title: string, locals: object): Promise<string> {
  if (typeof target.render !== 'function') await viewsMiddleware(target as never, async () => {});
  const render = target.render!;
  const body = String(await render(view, { ...locals, title }));
  return String(await render('layout', { title, stylesheet: STYLESHEET_PATH, body }));
}

/** Responds with a page and the headers every page carries. */
export async function renderPage(
  ctx: Context,
  page: { view: string; title: string; locals: object; status?: number; formTargets?: readonly string[]; imageSources?: readonly string[] },
): Promise<void> {
  const html = await renderDocument(ctx, page.view, page.title, page.locals);
  ctx.status = page.status ?? 200;
  setPageHeaders(ctx, page.formTargets, page.imageSources ? { imgSrc: page.imageSources } : {});
  ctx.type = 'html';
  ctx.body = html;
}
