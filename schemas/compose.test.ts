import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import {
  composeSupergraph,
  EVENT_JSON_DIR,
  eventJsonSchemas,
  SUBGRAPHS,
  SUPERGRAPH_PATH,
} from './compose-lib';

describe('schema composition', () => {
  it('when the subgraph SDLs are composed, then composition succeeds', () => {
    expect(() => composeSupergraph()).not.toThrow();
  });

  it('when the committed supergraph is compared with a fresh composition, then it is up to date (run npm run compose)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('when the committed event JSON Schemas are compared with the contracts, then they are up to date (run npm run compose)', () => {
    const expected = eventJsonSchemas();
    expect(readdirSync(EVENT_JSON_DIR).sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected)
      expect(readFileSync(join(EVENT_JSON_DIR, name), 'utf8')).toBe(text);
  });

  it('when a subgraph breaks the shared contract, then composition reports it', () => {
    const broken = composeServices([
      {
        name: 'a',
        url: 'http://a',
        typeDefs: parse('type Query { x: Int } type T @key(fields: "id") { id: ID! n: Int }'),
      },
      {
        name: 'b',
        url: 'http://b',
        typeDefs: parse(
          'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { y: Int } type T @key(fields: "id") { id: ID! n: String }',
        ),
      },
    ]);
    expect(broken.errors?.length).toBeGreaterThan(0);
  });

  it.each(SUBGRAPHS.map((s) => [s.name, s.schema]))(
    'when the %s SDL is read, then no argument defaults to an enum value (resolvers map enums to internal values after the defaults are fixed)',
    (_name, file) => {
      const doc = parse(readFileSync(`${__dirname}/${file}`, 'utf8'));
      const offenders: string[] = [];
      for (const def of doc.definitions) {
        if (!('fields' in def) || !def.fields) continue;
        for (const f of def.fields) {
          const args = 'arguments' in f ? (f.arguments ?? []) : [];
          for (const a of args)
            if (a.defaultValue?.kind === 'EnumValue')
              offenders.push(`${f.name.value}(${a.name.value})`);
          if ('defaultValue' in f && f.defaultValue?.kind === 'EnumValue')
            offenders.push(f.name.value);
        }
      }
      expect(offenders).toEqual([]);
    },
  );

  it.each(SUBGRAPHS.map((s) => [s.name, s.schema]))(
    'when the %s SDL is built as a subgraph, then every type and field carries a description',
    (_name, file) => {
      const doc = parse(readFileSync(`${__dirname}/${file}`, 'utf8'));
      buildSubgraphSchema(doc);
      const missing: string[] = [];
      for (const def of doc.definitions) {
        if (!('name' in def) || !def.name) continue;
        const typeName = def.name.value;
        if (
          !['Query', 'Mutation'].includes(typeName) &&
          !('description' in def && def.description)
        ) {
          missing.push(typeName);
        }
        if ('fields' in def && def.fields) {
          for (const f of def.fields)
            if (!f.description) missing.push(`${typeName}.${f.name.value}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );
});
