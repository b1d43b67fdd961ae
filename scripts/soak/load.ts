import { demoId } from '@liyuan/kit';
import { idCardCheckDigit } from '../../services/residents/src/domain/personal-data';
import { pick, type Bodies } from '../bench/workloads';

// The soak's load: the benchmark's W1 (a resident across every subgraph), W2 (a grid's residents)
// and W3 (facility bookings, conflicts expected) through the gateway, plus the event load: E1
// registers residents (each ResidentRegistered is consumed by facilities, shared-spaces,
// volunteers and mediation) and E2 redeems time-bank points (a CONFLICT when the balance is short).
// Requests are paced at a fixed rate, not fired as fast as they answer: the soak runs for long on
// a shared machine, and a fault must not turn into a burst of requests.

export type Workload = 'W1' | 'W2' | 'W3' | 'E1' | 'E2';

/** Each workload's share of the requests. */
export const MIX: Record<Workload, number> = { W1: 0.3, W2: 0.1, W3: 0.2, E1: 0.3, E2: 0.1 };

/** One request's outcome: `t` ms from the start of the load. */
export interface RequestRecord {
  t: number;
  workload: Workload;
  outcome: 'ok' | 'conflict' | 'error';
  /** The error code (GraphQL extensions.code, `HTTP <status>` or `TRANSPORT`) of an error. */
  code?: string;
  ms: number;
}

const REGISTER_RESIDENT = `mutation Register($input: RegisterResidentInput!) {
  registerResident(input: $input) { id }
}`;
const REDEEM = `mutation Redeem($input: RedeemPointsInput!) { redeemPoints(input: $input) }`;

export interface LoadTargets {
  gatewayUrl: string;
  /** The staff caller's headers (W1, W2, W3, E1). */
  staff: Record<string, string>;
  /** Headers of residents who are volunteers with points (E2). */
  volunteers: Record<string, string>[];
  bodies: Bodies;
  random: () => number;
}

/** A new resident of a random demo household with an ID-card number no one else has. */
function registration(n: number, random: () => number): string {
  const DAY = 86_400_000;
  // A birth date per 1,000 registrations and a sequence number within it: unique per run.
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(n / 1000) * DAY)
    .toISOString()
    .slice(0, 10);
  const first17 = `620982${birth.replace(/-/g, '')}${String(n % 1000).padStart(3, '0')}`;
  return JSON.stringify({
    query: REGISTER_RESIDENT,
    variables: {
      input: {
        householdId: demoId('household', 1 + Math.floor(random() * 2000)),
        name: `Soak ${n}`,
        gender: random() < 0.5 ? 'FEMALE' : 'MALE',
        birthDate: birth,
        idCardNumber: `${first17}${idCardCheckDigit(first17)}`,
        phone: '13912345678',
        residencyType: 'REGISTERED',
        relationshipToHead: 'OTHER',
        tags: [],
      },
    },
  });
}

/** Runs the mix at `ratePerSecond` until stopped; every request is recorded. */
export class SoakLoad {
  readonly records: RequestRecord[] = [];
  private running = true;
  private inFlight = 0;
  private registered = 0;
  private redeemed = 0;
  private done: Promise<void> | undefined;

  constructor(
    private readonly targets: LoadTargets,
    private readonly startedAt: number,
    private readonly ratePerSecond: number,
    private readonly maxInFlight = 48,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 50));
  }

  private async loop(): Promise<void> {
    const intervalMs = 1000 / this.ratePerSecond;
    let next = Date.now();
    while (this.running) {
      next += intervalMs;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // A slow system gets no burst: requests beyond the in-flight cap are skipped, not queued.
      if (this.inFlight >= this.maxInFlight) continue;
      void this.one(this.choose());
    }
  }

  private choose(): Workload {
    let x = this.targets.random();
    for (const [w, share] of Object.entries(MIX) as [Workload, number][]) {
      if ((x -= share) < 0) return w;
    }
    return 'W1';
  }

  private request(workload: Workload): { body: string; headers: Record<string, string> } {
    const { bodies, staff, volunteers, random } = this.targets;
    switch (workload) {
      case 'W1':
        return { body: bodies.whole(), headers: staff };
      case 'W2':
        return { body: bodies.list(), headers: staff };
      case 'W3':
        return { body: bodies.booking(), headers: staff };
      case 'E1':
        return { body: registration(this.registered++, random), headers: staff };
      case 'E2':
        return {
          body: JSON.stringify({
            query: REDEEM,
            variables: {
              input: { points: 1 + Math.floor(random() * 3), reference: `soak-${this.redeemed++}` },
            },
          }),
          headers: pick(volunteers, random),
        };
    }
  }

  private async one(workload: Workload): Promise<void> {
    this.inFlight++;
    const t0 = Date.now();
    const { body, headers } = this.request(workload);
    let outcome: RequestRecord['outcome'] = 'ok';
    let code: string | undefined;
    try {
      const res = await fetch(this.targets.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (!res.ok) {
        outcome = 'error';
        code = `HTTP ${res.status}`;
      } else if (text.includes('"errors"')) {
        const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? 'UNKNOWN');
        // A booking of a taken slot and a redemption beyond the balance are expected answers.
        if ((workload === 'W3' || workload === 'E2') && codes.every((c) => c === 'CONFLICT'))
          outcome = 'conflict';
        else {
          outcome = 'error';
          code = codes.find((c) => c !== 'CONFLICT') ?? 'UNKNOWN';
        }
      }
    } catch {
      outcome = 'error';
      code = 'TRANSPORT';
    } finally {
      this.inFlight--;
    }
    this.records.push({
      t: t0 - this.startedAt,
      workload,
      outcome,
      code,
      ms: Date.now() - t0,
    });
  }
}
