import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

import type { Context, Next } from 'koa';

import type { Branding } from '../../config/branding.ts';
import { VIEWS_DIR, STYLESHEET_PATH } from './render.ts';

export const BRAND_STYLESHEET_PATH = '/assets/brand.css';
const LOGO_PATH = '/assets/brand/logo';
const FAVICON_PATH = '/assets/brand/favicon';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  type: string;
  body: Buffer;
}

function fileAsset(path: string): Asset {
  return { type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', body: readFileSync(path) };
}

/** The primary colour as CSS custom properties; valtuus.css uses them for buttons, links and the header. */
function brandStylesheet(branding: Branding): Asset {
  const darker = `color-mix(in srgb, ${branding.primaryColor} 80%, black)`;
  return { type: TYPES['.css']!, body: Buffer.from(`:root {\n  --brand: ${branding.primaryColor};\n  --brand-dark: ${darker};\n}\n`) };
}

function extOf(file: string | undefined, fallback: string): string {
  return file ? extname(file).toLowerCase() : fallback;
}

/** Where the layout finds the bank's images (the demo bank's when none are configured). */
export function brandAssets(branding: Branding): { logo: string; favicon: string; faviconType: string } {
  const faviconExt = extOf(branding.faviconFile, '.svg');
  return {
    logo: `${LOGO_PATH}${extOf(branding.logoFile, '.svg')}`,
    favicon: `${FAVICON_PATH}${faviconExt}`,
    faviconType: TYPES[faviconExt]!,
  };
}

/**
 * The pages' own files, served from here so that nothing is loaded from third parties:
 * the stylesheet, the brand's colours, logo and favicon. Read once at start.
 */
export function assetRoutes(branding: Branding): (ctx: Context, next: Next) => Promise<void> {
  const { logo, favicon } = brandAssets(branding);
  const assets = new Map<string, Asset>([
    [STYLESHEET_PATH, fileAsset(`${VIEWS_DIR}assets/valtuus.css`)],
    [BRAND_STYLESHEET_PATH, brandStylesheet(branding)],
    [logo, fileAsset(branding.logoFile ?? `${VIEWS_DIR}assets/demo-bank-logo.svg`)],
    [favicon, fileAsset(branding.faviconFile ?? `${VIEWS_DIR}assets/demo-bank-favicon.svg`)],
  ]);
  return async function serveAsset(ctx, next) {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (!asset) return next();
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'"); // an SVG opened on its own runs nothing
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}
