import type { RawRequest } from './raw_http.ts';

/**
 * Malformed requests, generated from one well-formed request per endpoint ("target"): every
 * parameter missing, repeated, oversized, badly encoded or of the wrong type; every JWT
 * parameter broken in each known way; the request as a whole in the wrong method, content
 * type, size, path and headers; and HTTP-level breakage that Node itself must refuse.
 */

/** a key and its percent-encoded value; a null value sends the key alone, without `=` */
export type Pair = [key: string, value: string | null];

export interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** parameters, already percent-encoded: the query of a GET, the form body of a POST */
  params: Pair[];
  headers: [string, string][];
  /** parameters holding JWTs */
  jwtParams?: string[];
  /** headers holding JWTs or tokens (DPoP, Authorization) */
  jwtHeaders?: string[];
  /** 4xx answers to this method and path must be RFC 6749 §5.2 JSON */
  oauthJson: boolean;
  /** the status of the well-formed request: proof that the mutations start from deep inside */
  baseline: number;
}

export type Expect =
  /** the application answers: below 500 */
  | { kind: 'app' }
  /** broken at the HTTP level: Node's parser may refuse (with one of `statuses`, when given) or close the connection */
  | { kind: 'http'; statuses?: number[] }
  /** exactly this status */
  | { kind: 'status'; status: number };

export interface Case {
  target: string;
  label: string;
  request: RawRequest;
  expect: Expect;
  /** the request is the target's own method and path, so OAuth error rules apply */
  onEndpoint: boolean;
}

const enc = encodeURIComponent;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export const VALUE_MUTATIONS: [string, string][] = [
  ['empty', ''],
  ['10 KB', 'A'.repeat(10 * 1024)],
  ['100 KB', 'A'.repeat(100 * 1024)],
  ['NUL byte', 'a%00b'],
  ['control characters', '%01%02%1B%7F'],
  ['invalid UTF-8', '%FF%FE%FD'],
  ['overlong UTF-8', '%C0%AF'],
  ['lone surrogate', '%ED%A0%80'],
  ['truncated UTF-8', '%E0%A4'],
  ['lone percent', '%'],
  ['bad percent escape', '%zz'],
  ['truncated percent escape', 'abc%E0%A4%A'],
  ['right-to-left override', enc('\u202Eevil')],
  ['emoji', enc('😀'.repeat(200))],
  ['combining marks', enc('a\u0301'.repeat(500))],
  ['whitespace', enc(' \t ')],
  ['CRLF', '%0D%0AX-Injected:%201'],
  ['HTML', enc('<script>alert(1)</script>')],
  ['SQL', enc("' OR '1'='1")],
  ['template syntax', enc('${7*7}{{7*7}}<%= 7*7 %>')],
  ['path traversal', enc('../../../../etc/passwd')],
  ['JSON object', enc('{"a":1}')],
  ['JSON array', enc('[1,2]')],
  ['null', 'null'],
  ['negative number', '-1'],
  ['huge number', '1e309'],
  ['__proto__', '__proto__'],
  ['loopback URL', enc('http://127.0.0.1:9/x')],
  ['javascript URL', enc('javascript:alert(1)')],
  ['plus signs', '+++'],
];

/** Broken JWTs: structure, encoding, JSON, algorithms, keys, claims. */
export const JWT_MUTATIONS: [string, string][] = [
  ['three dots', '...'],
  ['not base64', 'a.b.c'],
  ['empty JSON parts', 'e30.e30.'],
  ['two parts', 'e30.e30'],
  ['five parts (JWE shape)', 'a.b.c.d.e'],
  ['alg none', `${b64('{"alg":"none","typ":"JWT"}')}.${b64('{"iss":"x"}')}.`],
  ['HS256', `${b64('{"alg":"HS256"}')}.${b64('{"iss":"x"}')}.c2ln`],
  ['header not JSON', `${b64('not json')}.e30.c2ln`],
  ['header broken JSON', `${b64('{"alg":"RS256"')}.e30.c2ln`],
  ['header an array', `${b64('[]')}.e30.c2ln`],
  ['header null', `${b64('null')}.e30.c2ln`],
  ['payload not JSON', `${b64('{"alg":"ES256"}')}.${b64('{{{')}.c2ln`],
  ['crit header', `${b64('{"alg":"ES256","crit":["exp"]}')}.e30.c2ln`],
  ['jku to loopback', `${b64('{"alg":"RS256","jku":"http://127.0.0.1:9/jwks","kid":"k"}')}.e30.c2ln`],
  ['x5u to loopback', `${b64('{"alg":"RS256","x5u":"http://127.0.0.1:9/cert"}')}.e30.c2ln`],
  ['bad embedded jwk', `${b64('{"alg":"ES256","typ":"dpop+jwt","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}')}.e30.c2ln`],
  ['embedded jwk of a wrong type', `${b64('{"alg":"ES256","typ":"dpop+jwt","jwk":"key"}')}.e30.c2ln`],
  ['deeply nested JSON', `${b64(`{"alg":"RS256","a":${'['.repeat(3000)}${']'.repeat(3000)}}`)}.e30.c2ln`],
  ['claims of wrong types', `${b64('{"alg":"ES256"}')}.${b64('{"iss":1,"sub":{},"aud":[[]],"exp":"soon","iat":null,"jti":[]}')}.c2ln`],
  ['non-ASCII', enc('ä.ö.ü')],
  ['20 KB header', `${b64(`{"alg":"ES256","x":"${'x'.repeat(20 * 1024)}"}`)}.e30.c2ln`],
];

/** Header values for JWT-carrying headers (printable ASCII only: HTTP refuses the rest). */
export const JWT_HEADER_VALUES = JWT_MUTATIONS.filter(([label]) => label !== 'non-ASCII' && label !== '20 KB header');

const form = (pairs: Pair[]) => pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&');

export function asRequest(target: Target, pairs: Pair[], overrides: Partial<RawRequest> = {}): RawRequest {
  if (target.method === 'GET') {
    const query = form(pairs);
    return { method: 'GET', target: query ? `${target.path}?${query}` : target.path, headers: target.headers, ...overrides };
  }
  return {
    method: 'POST',
    target: target.path,
    headers: [...target.headers, ['Content-Type', 'application/x-www-form-urlencoded']],
    body: form(pairs),
    ...overrides,
  };
}

function parameterCases(target: Target): Case[] {
  const cases: Case[] = [];
  const add = (label: string, pairs: Pair[]) =>
    cases.push({ target: target.name, label, request: asRequest(target, pairs), expect: { kind: 'app' }, onEndpoint: true });
  const keys = [...new Set([...target.params.map(([k]) => k), ...(target.jwtParams ?? [])])];
  for (const key of keys) {
    const others = target.params.filter(([k]) => k !== key);
    const own = target.params.filter(([k]) => k === key);
    add(`${key} missing`, others);
    add(`${key} repeated`, [...target.params, ...own]);
    add(`${key} repeated with another value`, [...target.params, [key, 'other']]);
    add(`${key}[] array syntax`, [...others, [`${key}[]`, own[0]?.[1] ?? 'x'], [`${key}[]`, 'x']]);
    add(`${key}[a] object syntax`, [...others, [`${key}[a]`, 'x']]);
    for (const [label, value] of VALUE_MUTATIONS) add(`${key} ${label}`, [...others, [key, value]]);
    if (target.jwtParams?.includes(key)) {
      for (const [label, value] of JWT_MUTATIONS) add(`${key} JWT ${label}`, [...others, [key, enc(value)]]);
    }
  }
  add('prototype pollution keys', [...target.params, ['__proto__[polluted]', '1'], ['constructor[prototype][polluted]', '1']]);
  add('unknown parameters', [...target.params, ['unknown', 'x'], ['x'.repeat(1000), 'y']]);
  add('a parameter without =', [...target.params, ['lonely', null]]);
  add('no parameters', []);
  for (const header of target.jwtHeaders ?? []) {
    const others = target.headers.filter(([n]) => n.toLowerCase() !== header.toLowerCase());
    const scheme = header.toLowerCase() === 'authorization' ? `${target.headers.find(([n]) => n === header)?.[1].split(' ')[0]} ` : '';
    for (const [label, value] of JWT_HEADER_VALUES) {
      cases.push({
        target: target.name,
        label: `${header} header JWT ${label}`,
        request: asRequest(target, target.params, {
          headers: [
            ...others,
            [header, `${scheme}${value}`],
            ...(target.method === 'POST' ? [['Content-Type', 'application/x-www-form-urlencoded'] as [string, string]] : []),
          ],
        }),
        expect: { kind: 'app' },
        onEndpoint: true,
      });
    }
    cases.push({
      target: target.name,
      label: `${header} header repeated`,
      request: asRequest(target, target.params, {
        headers: [
          ...target.headers,
          ...target.headers.filter(([n]) => n === header),
          ...(target.method === 'POST' ? [['Content-Type', 'application/x-www-form-urlencoded'] as [string, string]] : []),
        ],
      }),
      expect: { kind: 'app' },
      onEndpoint: true,
    });
  }
  return cases;
}

const ONE_MB = 1024 * 1024;

function bodyCases(target: Target): Case[] {
  const base = form(target.params);
  const post = (label: string, contentType: string | undefined, body: Buffer | string, extra: [string, string][] = []): Case => ({
    target: target.name,
    label,
    request: {
      method: 'POST',
      target: target.path,
      headers: [...target.headers, ...(contentType ? [['Content-Type', contentType] as [string, string]] : []), ...extra],
      body,
    },
    expect: { kind: 'app' },
    onEndpoint: target.method === 'POST',
  });
  const asJson = JSON.stringify(Object.fromEntries(target.params.map(([k, v]) => [k, safeDecode(v ?? '')])));
  return [
    post('JSON instead of a form', 'application/json', asJson),
    post('broken JSON', 'application/json', '{"grant_type": "client_credentials",'),
    post('JSON array', 'application/json', '[1,2,3]'),
    post('deeply nested JSON', 'application/json', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    post(
      'multipart',
      'multipart/form-data; boundary=XyZ',
      `--XyZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--XyZ--\r\n`,
    ),
    post('multipart without boundary', 'multipart/form-data', 'garbage'),
    post('text/plain', 'text/plain', base),
    post('no content type', undefined, base),
    post('form in UTF-16', 'application/x-www-form-urlencoded; charset=utf-16le', Buffer.from(base, 'utf16le')),
    post('form in an unknown charset', 'application/x-www-form-urlencoded; charset=x-bogus', base),
    post('a content type with junk parameters', 'application/x-www-form-urlencoded; ;;=; charset', base),
    post('gzip claimed, not gzip', 'application/x-www-form-urlencoded', base, [['Content-Encoding', 'gzip']]),
    post('an unknown content encoding', 'application/x-www-form-urlencoded', base, [['Content-Encoding', 'x-bogus']]),
    post('1 MB form', 'application/x-www-form-urlencoded', `${base}&pad=${'A'.repeat(ONE_MB)}`),
    post('1 MB of random bytes', 'application/x-www-form-urlencoded', randomBytes(ONE_MB)),
    post('1 MB JSON', 'application/json', JSON.stringify({ pad: 'A'.repeat(ONE_MB) })),
    post('10k repeated parameters', 'application/x-www-form-urlencoded', `${base}${'&scope=x'.repeat(10_000)}`),
    post(
      '10k distinct parameters',
      'application/x-www-form-urlencoded',
      `${base}&${Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&')}`,
    ),
    post('a 1000-level nested key', 'application/x-www-form-urlencoded', `${base}&a${'[b]'.repeat(1000)}=1`),
    post('separators only', 'application/x-www-form-urlencoded', '&&&=&=&&'),
    post('raw NUL bytes', 'application/x-www-form-urlencoded', Buffer.from([...Buffer.from(base), 0, 0, 0x26, 0, 0x3d, 0])),
    post('raw invalid UTF-8', 'application/x-www-form-urlencoded', Buffer.from([...Buffer.from(`${base}&x=`), 0xff, 0xfe, 0xc0, 0xaf])),
    post('chunked body', 'application/x-www-form-urlencoded', `${base.length.toString(16)}\r\n${base}\r\n0\r\n\r\n`, [
      ['Transfer-Encoding', 'chunked'],
    ]),
    post('Expect: 100-continue', 'application/x-www-form-urlencoded', base, [['Expect', '100-continue']]),
  ];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function randomBytes(size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

function methodCases(target: Target): Case[] {
  return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO']
    .filter((m) => m !== target.method)
    .map((method) => ({
      target: target.name,
      label: `method ${method}`,
      request: { ...asRequest(target, target.params), method },
      expect: { kind: 'app' } as Expect,
      onEndpoint: false,
    }));
}

function pathCases(target: Target): Case[] {
  const p = target.path;
  const variants: [string, string][] = [
    ['a trailing slash', `${p}/`],
    ['a double slash', `/${p}`],
    ['upper case', p.toUpperCase()],
    ['encoded slashes', p.replace(/\//g, '%2F')],
    ['a NUL byte', `${p}%00`],
    ['an encoded control byte', `${p}%01`],
    ['invalid UTF-8', `${p}%FF%FE`],
    ['a broken escape', `${p}%`],
    ['dot segments', `${p}/..${p}`],
    ['encoded dot segments', `${p}/%2e%2e${p}`],
    ['a matrix parameter', `${p};jsessionid=1`],
    ['raw non-ASCII bytes', `${p}\xff\xfe`],
    ['an 8 KB path', `${p}/${'a'.repeat(8 * 1024)}`],
    ['a fragment', `${p}#frag`],
    ['a query of 1000 repeated parameters', `${p}?${'a=1&'.repeat(1000)}`],
  ];
  const httpLevel = new Set(['raw non-ASCII bytes', 'a fragment']);
  return variants.map(([label, path]) => ({
    target: target.name,
    label: `path with ${label}`,
    request: {
      ...asRequest(target, target.params),
      target: target.method === 'GET' ? `${path}${path.includes('?') ? '&' : '?'}${form(target.params)}` : path,
    },
    expect: (httpLevel.has(label) ? { kind: 'http' } : { kind: 'app' }) as Expect,
    onEndpoint: false,
  }));
}

// Node's default --max-http-header-size is 16 KiB for the request line and all headers together
const HEADER_LIMIT = 16 * 1024;

function headerCases(target: Target): Case[] {
  const req = (label: string, headers: [string, string][], expect: Expect = { kind: 'app' }): Case => {
    const base = asRequest(target, target.params);
    return { target: target.name, label, request: { ...base, headers: [...(base.headers ?? []), ...headers] }, expect, onEndpoint: true };
  };
  const headBytes = Buffer.byteLength(asRequest(target, target.params).target) + 400;
  return [
    req('a header just under the size limit', [['X-Padding', 'a'.repeat(HEADER_LIMIT - headBytes - 2000)]]),
    req('a header over the size limit', [['X-Padding', 'a'.repeat(HEADER_LIMIT + 1024)]], { kind: 'status', status: 431 }),
    req(
      '200 headers',
      Array.from({ length: 200 }, (_, i) => [`X-H${i}`, String(i)] as [string, string]),
    ),
    req('a 12 KB cookie', [['Cookie', `junk=${'c'.repeat(12 * 1024)}`]]),
    req('a malformed cookie', [['Cookie', 'a; ;=;b=; _interaction=%ZZ; _session.sig=']]),
    req('forged signed cookies', [['Cookie', '_session=forged; _session.sig=forged; _interaction=forged; _interaction.sig=forged']]),
    req('a garbage Authorization', [
      ['Authorization', 'Basic !!!'],
      ['Authorization', 'Bearer'],
    ]),
    req('a 12 KB Authorization', [['Authorization', `Bearer ${'t'.repeat(12 * 1024)}`]]),
    req('a garbage DPoP header', [['DPoP', 'not-a-jwt']]),
    req('a garbage X-Forwarded-For', [['X-Forwarded-For', 'not-an-ip, ::::, 999.1.1.1, ']]),
    req('a garbage X-Forwarded-Proto and Host', [
      ['X-Forwarded-Proto', 'javascript'],
      ['X-Forwarded-Host', 'evil.example'],
    ]),
    req('a non-ASCII X-Request-Id', [['X-Request-Id', 'id-\xe9\xff']]),
    req('a 8 KB X-Request-Id', [['X-Request-Id', 'r'.repeat(8 * 1024)]]),
    req('a garbage Accept', [['Accept', '*/*;q=foo, text/html;;;, application/json;q=2']]),
    req('a garbage Accept-Encoding and Accept-Language', [
      ['Accept-Encoding', 'gzip;q=x, br;;'],
      ['Accept-Language', '*-*-*;q=;,'],
    ]),
    req('Origin: null', [['Origin', 'null']]),
    req('a garbage If-None-Match and Range', [
      ['If-None-Match', '"x'],
      ['Range', 'bytes=9-1,-,'],
    ]),
    {
      ...req('no Host header', []),
      request: { ...asRequest(target, target.params), omitHost: true },
      expect: { kind: 'http', statuses: [400] },
    },
    req('two Host headers', [['Host', 'evil.example']], { kind: 'http' }),
    req('a control byte in a header value', [['X-Bad', 'a\x01b']], { kind: 'http', statuses: [400] }),
    req('a space in a header name', [['X Bad', 'v']], { kind: 'http', statuses: [400] }),
    req(
      'Content-Length and Transfer-Encoding together',
      [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', '5'],
      ],
      { kind: 'http', statuses: [400] },
    ),
    req('a non-numeric Content-Length', [['Content-Length', 'abc']], { kind: 'http', statuses: [400] }),
  ];
}

function httpLevelCases(target: Target): Case[] {
  const base = asRequest(target, target.params);
  const http = (label: string, request: RawRequest, statuses?: number[]): Case => ({
    target: target.name,
    label,
    request,
    expect: { kind: 'http', ...(statuses ? { statuses } : {}) },
    onEndpoint: false,
  });
  return [
    http('an absolute-form target for another host', { ...base, target: `http://evil.example${base.target}` }, undefined),
    http('a space in the target', { ...base, target: `${base.target} x` }),
    http('a broken chunked body', {
      ...base,
      method: 'POST',
      headers: [...(base.headers ?? []), ['Transfer-Encoding', 'chunked']],
      body: 'zz\r\nabc\r\n0\r\n\r\n',
    }),
  ];
}

export function casesFor(target: Target): Case[] {
  return [
    ...parameterCases(target),
    ...(target.method === 'POST' ? bodyCases(target) : []),
    ...methodCases(target),
    ...pathCases(target),
    ...headerCases(target),
    ...httpLevelCases(target),
  ];
}
