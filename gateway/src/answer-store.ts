import type { IncomingHttpHeaders } from 'node:http';

/** A subgraph answer as kept: enough to answer the same fetch again. */
export interface KeptAnswer {
  url: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Entry {
  subgraph: string;
  generation: string;
  expiresAt: number;
  bytes: number;
  answer: KeptAnswer;
}

/**
 * Subgraph answers by key, least recently used dropped past `maxBytes`, none older than `ttlMs`.
 * Each subgraph has a generation, raised whenever it changes (and all of them at once when the
 * change feed may have missed something); an entry filled under an earlier generation is never
 * returned.
 */
export class AnswerStore {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
  ) {}

  generation(subgraph: string): string {
    return `${this.epoch}.${this.generations.get(subgraph) ?? 0}`;
  }

  /** `subgraph` changed: nothing kept of it before now is answered again. */
  evict(subgraph: string): void {
    this.generations.set(subgraph, (this.generations.get(subgraph) ?? 0) + 1);
  }

  /** Anything may have changed. */
  evictAll(): void {
    this.epoch += 1;
    this.entries.clear();
    this.bytes = 0;
  }

  get(key: string, now = Date.now()): KeptAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.generation !== this.generation(e.subgraph) || e.expiresAt <= now) {
      this.drop(key, e);
      return undefined;
    }
    // Most recently used last: the map's order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.answer;
  }

  /** Keeps `answer` unless `subgraph` changed since `generation` was read (before the fetch). */
  put(key: string, subgraph: string, generation: string, answer: KeptAnswer): boolean {
    if (generation !== this.generation(subgraph)) return false;
    const bytes = key.length + answer.body.length + 200;
    if (bytes > this.maxBytes) return false;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.entries.set(key, {
      subgraph,
      generation,
      expiresAt: Date.now() + this.ttlMs,
      bytes,
      answer,
    });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, e);
    }
    return true;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}
