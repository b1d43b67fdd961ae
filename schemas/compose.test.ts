import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { composeSupergraph, SUBGRAPHS, SUPERGRAPH_PATH } from './compose-lib';

describe('schema composition', () => {
  it('when the subgraph SDLs are composed, then composition succeeds', () => {
    expect(() => composeSupergraph()).not.toThrow();
  });

  it('when the committed supergraph is compared with a fresh composition, then it is up to date (run npm run compose)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
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
