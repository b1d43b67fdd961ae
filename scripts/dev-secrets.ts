import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptConfig } from './config';

/**
 * Development secrets: taken from the environment when given, else generated once and kept in the
 * git-ignored data folder so `npm run token` signs tokens the running gateway accepts.
 */
export function devSecrets(config: ScriptConfig): { jwt: string; identity: string } {
  const file = join(config.dataDir, 'dev-secrets.json');
  let stored: { jwt: string; identity: string } | undefined;
  if (existsSync(file))
    stored = JSON.parse(readFileSync(file, 'utf8')) as { jwt: string; identity: string };
  if (!stored) {
    stored = { jwt: randomBytes(32).toString('hex'), identity: randomBytes(32).toString('hex') };
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    jwt: config.secrets.jwt ?? stored.jwt,
    identity: config.secrets.identity ?? stored.identity,
  };
}

/** Issuer and audience of development tokens; the gateway's defaults. */
export const DEV_JWT = { issuer: 'liyuan-dev', audience: 'liyuan-community' };
