import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a Redis that can freeze it the way a stalled Redis (a fork, a slow
 * disk, DEBUG SLEEP) does: once a command containing `trigger` has gone through, nothing passes
 * either way for `ms`, then everything held is delivered in order.
 */
export interface StallProxy {
  readonly port: number;
  readonly url: string;
  /** Arms one stall; resolves when it has begun (the triggering command reached Redis). */
  stallAfter(trigger: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

interface Pipe {
  from: Socket;
  to: Socket;
}

export async function startStallProxy(upstreamPort: number): Promise<StallProxy> {
  let frozenUntil = 0;
  let armed: { trigger: Buffer; ms: number; began: () => void } | undefined;
  const held: { pipe: Pipe; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  let releaseTimer: NodeJS.Timeout | undefined;

  const release = () => {
    frozenUntil = 0;
    for (const { pipe, chunk } of held.splice(0)) if (!pipe.to.destroyed) pipe.to.write(chunk);
  };
  const forward = (pipe: Pipe, chunk: Buffer, fromClient: boolean) => {
    if (frozenUntil > Date.now()) {
      held.push({ pipe, chunk });
      return;
    }
    pipe.to.write(chunk);
    if (fromClient && armed && chunk.includes(armed.trigger)) {
      const { ms, began } = armed;
      armed = undefined;
      frozenUntil = Date.now() + ms;
      releaseTimer = setTimeout(release, ms);
      began();
    }
  };

  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => forward({ from: client, to: upstream }, chunk, true));
    upstream.on('data', (chunk: Buffer) => forward({ from: upstream, to: client }, chunk, false));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stallAfter: (trigger, ms) => new Promise<void>((began) => (armed = { trigger: Buffer.from(trigger), ms, began })),
    async close() {
      clearTimeout(releaseTimer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
