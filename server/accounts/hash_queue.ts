/**
 * At most `limit` password hashes at once; the rest wait in arrival order (README "Password hashing").
 * Each argon2id hash holds its whole memory cost while it runs, on one of libuv's threads: more at
 * once than the process has cores for adds to its peak memory and to nobody's throughput.
 */
export class HashQueue {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limit) this.#running += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      // a finished hash hands its place to the next in line, or gives it back
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }

  /** hashes waiting for a place (for tests and metrics) */
  get waiting(): number {
    return this.#waiting.length;
  }
}
