import { readFileSync } from 'node:fs';

import type { Context } from 'koa';

import { VIEWS_DIR } from './render.ts';

const stylesheet = readFileSync(`${VIEWS_DIR}assets/valtuus.css`);

/** The one stylesheet of the pages, served from here so nothing is loaded from third parties. */
export function serveStylesheet(ctx: Context): void {
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = 'text/css; charset=utf-8';
  ctx.body = stylesheet;
}
