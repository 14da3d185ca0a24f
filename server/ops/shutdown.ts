import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

import type { Logger } from './logger.ts';

/**
 * A clean stop on the platform's signal (README "Operations"): Heroku sends SIGTERM to every
 * process of a dyno and SIGKILL 30 s later. Each process stops accepting, answers what it has
 * accepted with `Connection: close`, closes idle keep-alive connections at once, closes the
 * store and exits 0; a repeated signal (the process group's, then the primary's) changes nothing.
 */
const DEADLINE_MS = 9000; // well inside the platform's 30 s, and the 10 s operators are promised
const FIRST_REQUEST_GRACE_MS = 1000; // a connection accepted just before the signal may still be sending its request

interface Connection {
  /** responses not yet finished on this connection */
  busy: number;
  served: number;
}

const netClose = NetServer.prototype.close; // http.Server#close also drops connections whose first request is on its way

export interface Counts {
  connections: number;
  requests: number;
  responses: number;
}

export function stopOnSignal(server: Server, close: () => Promise<void>, logger: Logger): void {
  const connections = new Map<Socket, Connection>();
  const inFlight = new Set<ServerResponse>();
  const counts: Counts = { connections: 0, requests: 0, responses: 0 };
  let stopping = false;

  const closeIfIdle = (socket: Socket, state: Connection, fresh: boolean) => {
    if (state.busy === 0 && (state.served > 0 || fresh)) socket.destroy();
  };

  server.on('connection', (socket: Socket) => {
    counts.connections += 1;
    const state: Connection = { busy: 0, served: 0 };
    connections.set(socket, state);
    socket.once('close', () => connections.delete(socket));
    if (stopping) setTimeout(() => closeIfIdle(socket, state, true), FIRST_REQUEST_GRACE_MS).unref();
  });
  server.on('request', (req, res: ServerResponse) => {
    counts.requests += 1;
    const state = connections.get(req.socket);
    if (state) state.busy += 1;
    inFlight.add(res);
    if (stopping) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      if (res.writableFinished) counts.responses += 1;
      if (!state) return;
      state.busy -= 1;
      state.served += 1;
      if (stopping) closeIfIdle(req.socket, state, false);
    });
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, connections: connections.size, inFlight: inFlight.size }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.warn('shutdown deadline reached: closing remaining connections');
      server.closeAllConnections();
      process.exit(1);
    }, DEADLINE_MS).unref();
    netClose.call(server, () => {
      logger.info(counts, 'stopped: every accepted connection was answered');
      close()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    for (const [socket, state] of connections) {
      if (state.served > 0) closeIfIdle(socket, state, false);
      else setTimeout(() => closeIfIdle(socket, state, true), FIRST_REQUEST_GRACE_MS).unref();
    }
  };
  // `on`, not `once`: a second SIGTERM must not fall through to Node's default, which kills at once
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
