import { parseArgs } from 'node:util';
import { ROLES, type Role } from '@liyuan/kit';
import { issueToken } from '../gateway/src/auth';
import { loadScriptConfig } from './config';
import { DEV_JWT, devSecrets } from './dev-secrets';

// `npm run token -- --role <role> [--resident-id <id>] [--grid-id <id>] [--sub <user>] [--ttl 12h]`
// prints a development token the local gateway accepts (it refuses tokens living longer than its
// JWT_MAX_LIFETIME_SECONDS, 24 h by default, so keep --ttl within it). For a resident or grid member
// without an id it asks the running gateway for one from the demo data.
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'staff' },
      'resident-id': { type: 'string' },
      'grid-id': { type: 'string', multiple: true },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`unknown role "${values.role}"; one of: ${ROLES.join(', ')}\n`);
    process.exit(1);
  }
  const config = loadScriptConfig();
  const jwt = { secret: devSecrets(config).jwt, ...DEV_JWT };
  const ask = async (query: string, token?: string): Promise<unknown> => {
    const res = await fetch(config.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
    return ((await res.json()) as { data?: unknown }).data;
  };

  let residentId = values['resident-id'];
  let gridIds = values['grid-id'] ?? [];
  try {
    if (role === 'resident' && !residentId) {
      const staff = await issueToken(jwt, { sub: 'token-script', roles: ['staff'] }, '1m');
      const data = (await ask('{ residents(first: 1) { edges { node { id } } } }', staff)) as {
        residents: { edges: { node: { id: string } }[] };
      };
      residentId = data.residents.edges[0]?.node.id;
    }
    if (role === 'grid_member' && !gridIds.length) {
      const data = (await ask('{ grids { id parent { id } } }')) as {
        grids: { id: string; parent: unknown }[];
      };
      gridIds = data.grids
        .filter((g) => g.parent)
        .slice(0, 1)
        .map((g) => g.id);
    }
  } catch {
    process.stderr.write(
      `(the gateway at ${config.gatewayUrl} did not answer; pass --resident-id / --grid-id)\n`,
    );
  }
  const token = await issueToken(
    jwt,
    {
      sub: values.sub ?? `dev-${role}`,
      roles: [role],
      residentId,
      gridIds: gridIds.length ? gridIds : undefined,
    },
    values.ttl,
  );
  process.stdout.write(`${token}\n`);
}

void main();
