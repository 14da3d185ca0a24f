import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { z } from 'zod';

import sample from './branding.sample.json' with { type: 'json' };

/** The bank's name and look on every customer page (README "Branding"). */
export interface Branding {
  readonly name: string;
  /** the sandbox's sample brand: pages say it is a demo bank */
  readonly demo: boolean;
  /** an sRGB hex colour that white text can sit on (WCAG AA, 4.5:1) */
  readonly primaryColor: string;
  readonly supportPhone: string;
  readonly supportUrl: string;
  readonly privacyUrl: string;
  readonly termsUrl: string;
  /** absolute paths of the bank's image files; undefined = the demo bank's own */
  readonly logoFile: string | undefined;
  readonly faviconFile: string | undefined;
}

/** WCAG 2.x relative luminance of an sRGB hex colour. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast of white text on the colour (WCAG 2.x §1.4.3: 4.5:1 for normal text). */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

const imageFile = z.string().regex(/\.(svg|png|ico)$/i, 'an .svg, .png or .ico file');

const brandingSchema = z.object({
  name: z.string().min(1).max(60),
  demo: z.boolean().default(false),
  primaryColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .refine((c) => contrastWithWhite(c) >= 4.5, 'white text on it needs a contrast of at least 4.5:1 (WCAG AA)'),
  supportPhone: z.string().regex(/^\+?[0-9 ()-]{5,30}$/, 'a phone number such as +358 10 000 0000'),
  supportUrl: z.url({ protocol: /^https?$/ }),
  privacyUrl: z.url({ protocol: /^https?$/ }),
  termsUrl: z.url({ protocol: /^https?$/ }),
  logo: imageFile.optional(),
  favicon: imageFile.optional(),
});

function parseBranding(input: unknown, baseDir: string): Branding {
  const { logo, favicon, ...rest } = brandingSchema.parse(input);
  return Object.freeze({
    ...rest,
    logoFile: logo === undefined ? undefined : resolve(baseDir, logo),
    faviconFile: favicon === undefined ? undefined : resolve(baseDir, favicon),
  });
}

export const sampleBranding: Branding = parseBranding(sample, '.');

/** BRANDING names a JSON file of this form (images relative to it); unset = the demo bank. */
export function readBranding(path: string | undefined, problems: string[]): Branding {
  if (!path) return sampleBranding;
  try {
    return parseBranding(JSON.parse(readFileSync(path, 'utf8')), dirname(resolve(path)));
  } catch (err) {
    const reason =
      err instanceof z.ZodError
        ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : err instanceof SyntaxError
          ? 'not valid JSON'
          : (err as Error).message;
    problems.push(`BRANDING (${path}): ${reason}`);
    return sampleBranding;
  }
}
