/**
 * Just enough HTML form handling for a scripted customer: the login, one-time code and
 * consent pages are plain HTML forms that work without JavaScript, and the baseline's development pages are too.
 * Fields are recognised by their standard `autocomplete` values first, then by name.
 */

export interface Field {
  name: string;
  type: string;
  value: string;
  autocomplete: string;
}

export interface SubmitButton {
  name: string;
  value: string;
  label: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  fields: Field[];
  buttons: SubmitButton[];
}

export interface Answers {
  username: string;
  password: string;
  oneTimeCode: () => string;
}

export type FormKind = 'login' | 'one-time-code' | 'consent';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const ALLOW = /allow|approve|accept|authori[sz]e|continue|confirm|grant|consent|yes|sign[\s-]?in|log[\s-]?in|verify|next|submit/i;
const DENY = /deny|decline|reject|cancel|abort|refuse|\bno\b/i;

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tag.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1]!);
    const inner = m[2]!;
    const fields: Field[] = [];
    const buttons: SubmitButton[] = [];
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1]!);
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'submit') buttons.push({ name: a.name ?? '', value: a.value ?? '', label: a.value ?? '' });
      else if (a.name && type !== 'button' && type !== 'reset')
        fields.push({ name: a.name, type, value: a.value ?? '', autocomplete: a.autocomplete ?? '' });
    }
    for (const button of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = attributes(button[1]!);
      if ((a.type ?? 'submit').toLowerCase() !== 'submit') continue;
      buttons.push({ name: a.name ?? '', value: a.value ?? '', label: textOf(button[2]!) });
    }
    forms.push({ action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase(), fields, buttons });
  }
  return forms;
}

function isUsername(f: Field): boolean {
  return f.autocomplete.includes('username') || /^(username|login|user|email)$/i.test(f.name);
}
function isPassword(f: Field): boolean {
  return f.autocomplete.includes('current-password') || f.type === 'password';
}
function isOneTimeCode(f: Field): boolean {
  return f.autocomplete.includes('one-time-code') || /^(otp|totp|code|one_time_code|one-time-code)$/i.test(f.name);
}

export function formKind(form: HtmlForm): FormKind {
  if (form.fields.some(isOneTimeCode)) return 'one-time-code';
  if (form.fields.some(isUsername) || form.fields.some(isPassword)) return 'login';
  return 'consent';
}

function describeButton(b: SubmitButton): string {
  return `${b.name} ${b.value} ${b.label}`;
}

/** The button a consenting customer presses: the allowing one, never the denying one. */
function allowButton(form: HtmlForm): SubmitButton | undefined {
  const candidates = form.buttons.filter((b) => !DENY.test(describeButton(b)));
  return candidates.find((b) => ALLOW.test(describeButton(b))) ?? candidates[0];
}

/** Of the forms on a page, the one that moves the flow forward (not a cancel or deny form). */
export function chooseForm(forms: readonly HtmlForm[]): HtmlForm | undefined {
  const withInputs = forms.find((f) => f.fields.some((x) => isUsername(x) || isPassword(x) || isOneTimeCode(x)));
  if (withInputs) return withInputs;
  return forms.find((f) => f.method === 'post' && (f.buttons.length === 0 || allowButton(f)));
}

/** The body a customer would submit: every field filled or kept, plus the allowing button's name. */
export function fillForm(form: HtmlForm, answers: Answers): URLSearchParams {
  const body = new URLSearchParams();
  for (const field of form.fields) {
    if (isOneTimeCode(field)) body.append(field.name, answers.oneTimeCode());
    else if (isPassword(field)) body.append(field.name, answers.password);
    else if (isUsername(field)) body.append(field.name, answers.username);
    else if (field.type === 'checkbox' || field.type === 'radio') continue;
    else body.append(field.name, field.value);
  }
  const button = allowButton(form);
  if (button?.name) body.append(button.name, button.value);
  return body;
}

/** The page's own words about what went wrong: its first alert or heading. */
export function pageSummary(html: string): string {
  const alert = /<[^>]+(?:role="alert"|class="[^"]*(?:error|alert)[^"]*")[^>]*>([\s\S]*?)<\/\w+>/i.exec(html);
  const heading = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(html) ?? /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  return textOf((alert ?? heading)?.[1] ?? html.slice(0, 200)).slice(0, 160);
}
