import { EventEmitter } from 'node:events';

import type { RedisClient } from './redis_keyspace.ts';

export interface Subscription {
  /** A message published on the channel by any process of this store. */
  onMessage(message: string): void;
  /** The subscription (re)connected: messages sent while it was away are lost, so cached state must be dropped. */
  onResync?(): void;
}

/** Publish/subscribe on the store's own connection: what the client cache needs to hear of changes everywhere. */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Starts listening: `ready` resolves once the first subscription is in place; `stop` ends it. */
  subscribe(channel: string, subscription: Subscription): { ready: Promise<void>; stop: () => Promise<void> };
}

/** One process: a message reaches the subscribers of this process only, as every sandbox process is alone. */
export function memoryPubSub(): PubSub {
  const bus = new EventEmitter();
  return {
    async publish(channel, message) {
      bus.emit(channel, message);
    },
    subscribe(channel, { onMessage }) {
      bus.on(channel, onMessage);
      return { ready: Promise.resolve(), stop: async () => void bus.off(channel, onMessage) };
    },
  };
}

/**
 * Redis pub/sub: each subscription has a connection of its own (a subscribed connection can
 * do nothing else). The store's clients queue nothing while offline, so it subscribes once
 * connected; ioredis resubscribes by itself after a reconnect, and every (re)connection is a
 * resync. Publishing goes through the store's own connection.
 */
export function redisPubSub(client: RedisClient, onError: (err: Error) => void): PubSub {
  return {
    async publish(channel, message) {
      await client.publish(channel, message);
    },
    subscribe(channel, { onMessage, onResync }) {
      const subscriber = client.duplicate();
      let subscribed = false;
      let settle!: () => void;
      const ready = new Promise<void>((resolve) => (settle = resolve));
      subscriber.on('error', () => undefined); // the store's own connection reports trouble
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) onMessage(message);
      });
      subscriber.on('ready', () => {
        onResync?.();
        if (subscribed) return;
        subscribed = true;
        subscriber.subscribe(channel).then(settle, (err: Error) => {
          subscribed = false;
          onError(err);
        });
      });
      return { ready, stop: async () => subscriber.disconnect() };
    },
  };
}
