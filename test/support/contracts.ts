import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_JSON_DIR } from '../../schemas/compose-lib';

/**
 * Validates envelopes and payloads against the committed JSON Schema documents in
 * `schemas/events/json` (the contract other languages consume), not against the zod definitions
 * they were generated from.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const cache = new Map<string, ValidateFunction>();

function validator(file: string): ValidateFunction {
  let v = cache.get(file);
  if (!v) {
    const path = join(EVENT_JSON_DIR, file);
    if (!existsSync(path)) throw new Error(`no JSON Schema ${file} in schemas/events/json`);
    v = ajv.compile(JSON.parse(readFileSync(path, 'utf8')) as object);
    cache.set(file, v);
  }
  return v;
}

/** The contract violations of an envelope and its payload (empty when both conform). */
export function contractViolations(envelope: {
  type: string;
  version: number;
  data: unknown;
}): string[] {
  const problems: string[] = [];
  const check = (file: string, value: unknown) => {
    const v = validator(file);
    if (!v(value))
      for (const e of v.errors ?? [])
        problems.push(`${file}${e.instancePath} ${e.message ?? 'invalid'}`);
  };
  check('envelope.json', envelope);
  check(`${envelope.type}.v${envelope.version}.json`, envelope.data);
  return problems;
}
