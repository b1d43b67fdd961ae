/**
 * Positions in the event log as subscribers see them. A pushed change carries the position of its
 * event (topic, partition, offset) followed by the subscription's frontier after it: for every
 * partition of the topic, the next offset the subscription has not yet been given. A client that
 * resumes from it therefore receives every later event of every partition, and none it has seen.
 *
 *   residents.service-request.v1:2:417@120.98.418
 *   └ topic ─────────────────┘ └partition, offset┘ └ next offset of partitions 0, 1, 2
 */
export interface Position {
  topic: string;
  partition: number;
  offset: bigint;
  /** Next offset per partition (index = partition). */
  frontier: bigint[];
}

const FORMAT = /^([A-Za-z0-9._-]{1,249}):(\d{1,6}):(\d{1,19})@(\d{1,19}(?:\.\d{1,19}){0,999})$/;

export function formatPosition(p: Position): string {
  return `${p.topic}:${p.partition}:${p.offset}@${p.frontier.join('.')}`;
}

/** The position a client sent back, or null when it is not one this gateway wrote. */
export function parsePosition(text: string): Position | null {
  const m = FORMAT.exec(text.trim());
  if (!m) return null;
  const frontier = m[4]!.split('.').map((n) => BigInt(n));
  const partition = Number(m[2]);
  const offset = BigInt(m[3]!);
  if (partition >= frontier.length || frontier[partition]! <= offset) return null;
  return { topic: m[1]!, partition, offset, frontier };
}
