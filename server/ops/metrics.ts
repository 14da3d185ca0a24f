import cluster from 'node:cluster';
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { Context, Next } from 'koa';
import { AggregatorRegistry, Counter, Histogram, Registry, collectDefaultMetrics, type RegistryContentType } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Histogram<'route' | 'method' | 'status'>;
  readonly tokensIssued: Counter<'grant_type' | 'api'>;
  readonly tokensRefused: Counter<'grant_type' | 'error'>;
  readonly logins: Counter<'outcome'>;
  readonly storeErrors: Counter<'kind'>;
}

/**
 * One registry per app, so tests can build several apps in one process. The process metrics
 * (memory, CPU, event-loop delay) are for a served process only: their event-loop monitor is a
 * 10 ms timer that nothing stops, which an admin command or a test's app would keep running.
 */
export function createMetrics({ processMetrics }: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'valtuus_' });
  const metrics: Metrics = {
    registry,
    requests: new Histogram({
      name: 'valtuus_http_request_duration_seconds',
      help: 'HTTP requests by endpoint, method and status, with their latency',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'valtuus_tokens_issued_total',
      help: 'Tokens issued, by grant and API',
      labelNames: ['grant_type', 'api'],
      registers: [registry],
    }),
    tokensRefused: new Counter({
      name: 'valtuus_token_errors_total',
      help: 'Token requests refused, by grant and OAuth error',
      labelNames: ['grant_type', 'error'],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'valtuus_logins_total',
      help: 'Customer logins by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'valtuus_store_errors_total',
      help: 'Store (Redis) failures: lost connections and requests answered 503',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([registry]);
    void new AggregatorRegistry(); // answers the primary's requests for this worker's metrics
  }
  return metrics;
}

const OWN_ROUTES: [RegExp, string][] = [
  [/^\/interaction\//, 'interaction'],
  [/^\/healthz$/, 'healthz'],
  [/^\/readyz$/, 'readyz'],
  [/^\/metrics$/, 'metrics'],
  [/^\/assets\//, 'assets'],
];

/** A bounded label: oidc-provider's route name, one of ours, or "other". */
function routeOf(ctx: Context): string {
  const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
  if (route) return route;
  return OWN_ROUTES.find(([re]) => re.test(ctx.path))?.[1] ?? 'other';
}

/**
 * prom-client hashes the label values of every observation; the child of each label set is
 * made once instead (the sets are bounded: route names, HTTP methods, status codes).
 */
export function labelledOnce<T>(make: (...values: string[]) => T, most = 1000): (...values: string[]) => T {
  const children = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = make(...values);
      if (children.size < most) children.set(key, child);
    }
    return child;
  };
}

export function measureRequests(metrics: Metrics) {
  const requests = labelledOnce((route, method, status) => metrics.requests.labels(route!, method!, status!));
  const unavailable = metrics.storeErrors.labels('unavailable');
  return async function measure(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.status;
      requests(routeOf(ctx), ctx.method, String(status)).observe((performance.now() - started) / 1000);
      if (status === 503) unavailable.inc();
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Metrics of every worker when there are several, else of this process. */
async function exposition(metrics: Metrics): Promise<string> {
  if (!cluster.isWorker) return metrics.registry.metrics();
  return askPrimary();
}

let asked = 0;
function askPrimary(): Promise<string> {
  const id = `${process.pid}-${(asked += 1)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the primary did not answer'));
    }, 3000);
    function onMessage(message: { type?: string; id?: string; body?: string }) {
      if (message?.type !== 'valtuus:metrics-res' || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(message.body ?? '');
    }
    process.on('message', onMessage);
    process.send!({ type: 'valtuus:metrics-req', id });
  });
}

/** `GET /metrics` behind `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. */
export function metricsEndpoint(metrics: Metrics, token: string) {
  const expected = digest(`Bearer ${token}`);
  return async function serveMetrics(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== '/metrics') return next();
    if (!timingSafeEqual(digest(ctx.get('authorization')), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'the metrics bearer token is missing or wrong' };
      return undefined;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await exposition(metrics);
    return undefined;
  };
}

/** The primary of several workers: serves their aggregated metrics to workers that ask. */
export function answerWorkersForMetrics(aggregator: AggregatorRegistry<RegistryContentType>): void {
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== 'valtuus:metrics-req') return;
    aggregator.clusterMetrics().then(
      (body: string) => worker.send({ type: 'valtuus:metrics-res', id: message.id, body }),
      () => worker.send({ type: 'valtuus:metrics-res', id: message.id, body: '' }),
    );
  });
}

/** A plain HTTP server for METRICS_PORT, on its own port so it is never public by accident. */
export function metricsServer(port: number, render: () => Promise<string>, contentType: string): Server {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    render().then(
      (body) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(503).end(),
    );
  });
  server.listen(port);
  return server;
}
