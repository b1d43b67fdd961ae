import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  composeSupergraph,
  EVENT_JSON_DIR,
  eventJsonSchemas,
  SUPERGRAPH_PATH,
} from './compose-lib';

// `npm run compose`: writes schemas/supergraph.graphql from the subgraph SDLs, and the JSON
// Schemas of the events into schemas/events/json.
try {
  writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
  process.stdout.write(`wrote ${SUPERGRAPH_PATH}\n`);
  mkdirSync(EVENT_JSON_DIR, { recursive: true });
  for (const [name, text] of eventJsonSchemas()) writeFileSync(join(EVENT_JSON_DIR, name), text);
  process.stdout.write(`wrote ${EVENT_JSON_DIR}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
