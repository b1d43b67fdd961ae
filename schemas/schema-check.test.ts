import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SCHEMAS_DIR, SUBGRAPHS } from './compose-lib';
import { checkSubgraph, report } from './schema-check-lib';

const sdlOf = (name: string) =>
  readFileSync(resolve(SCHEMAS_DIR, SUBGRAPHS.find((s) => s.name === name)!.schema), 'utf8');

/** `npm run schema:check -- <args>`: its exit status and what it printed. */
function schemaCheck(...args: string[]): { status: number; out: string } {
  try {
    const out = execFileSync('npx', ['tsx', 'scripts/schema-check.ts', ...args], {
      cwd: resolve(__dirname, '..'),
      encoding: 'utf8',
    });
    return { status: 0, out };
  } catch (err) {
    return { status: (err as { status: number }).status, out: (err as { stdout: string }).stdout };
  }
}

/** One subgraph's SDL checked against the committed supergraph before it rolls out alone. */
describe('schema check', () => {
  it.each(SUBGRAPHS.map((s) => [s.name]))(
    'when the %s SDL in the repository is checked, then it composes and breaks nothing',
    async (name) => {
      const { ok, text } = report(await checkSubgraph(name, sdlOf(name)));
      expect({ ok, text }).toEqual({ ok: true, text: expect.stringContaining('result: OK') });
    },
  );

  it('when a field is removed or gains a required argument, then the check fails naming it', async () => {
    const sdl = sdlOf('volunteers')
      .replace(/\n {2}"Name\."\n {2}name: String!\n/, '\n')
      .replace(
        'openOpportunities(first: Int = 20, after: String): OpportunityConnection!',
        'openOpportunities(first: Int = 20, after: String, teamId: ID!): OpportunityConnection!',
      );
    const check = await checkSubgraph('volunteers', sdl);
    expect(check.breaking).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Field 'name' was removed from object type 'Team'"),
        expect.stringContaining("Argument 'teamId: ID!' added to field 'Query.openOpportunities'"),
      ]),
    );
    expect(report(check).ok).toBe(false);
  });

  it('when a field is added, then it is safe; when an enum gains a value, then it is a warning that does not fail', async () => {
    const added = await checkSubgraph(
      'volunteers',
      sdlOf('volunteers').replace(
        '  leadUserId: String!\n',
        '  leadUserId: String!\n  "Motto."\n  motto: String\n',
      ),
    );
    expect(added).toMatchObject({ breaking: [], compositionErrors: [] });
    expect(added.safe).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Field 'motto' was added to object type 'Team'"),
      ]),
    );
    const enumValue = await checkSubgraph(
      'facilities',
      sdlOf('facilities').replace(
        /enum FacilityStatus \{/,
        'enum FacilityStatus {\n  "Being painted."\n  PAINTING',
      ),
    );
    expect(enumValue.dangerous.length).toBeGreaterThan(0);
    expect(report(enumValue).ok).toBe(true);
  });

  it('when the SDL does not compose with the others, then the check fails with the composition errors', async () => {
    const check = await checkSubgraph(
      'volunteers',
      sdlOf('volunteers').replace(
        /type Facility @key\(fields: "id", resolvable: false\) \{\n(.*\n)*? {2}id: ID!/,
        (m) => m.replace('id: ID!', 'id: Int!'),
      ),
    );
    expect(check.compositionErrors.length).toBeGreaterThan(0);
    expect(report(check).text).toContain('result: FAILED');
  });

  it('when npm run schema:check meets a breaking change, then it exits 1 with the report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-schema-check-'));
    const file = join(dir, 'volunteers.graphql');
    writeFileSync(file, sdlOf('volunteers').replace(/\n {2}"Name\."\n {2}name: String!\n/, '\n'));
    try {
      const { status, out } = schemaCheck('volunteers', '--sdl', file);
      expect(status).toBe(1);
      expect(out).toContain("Field 'name' was removed from object type 'Team'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when checked --against an earlier supergraph, then the changes since it are reported', () => {
    // An earlier supergraph that served a field the repository's SDL no longer has.
    const earlier = composeServices(
      SUBGRAPHS.map((s) => ({
        name: s.name,
        url: s.url,
        typeDefs: parse(
          s.name === 'volunteers'
            ? sdlOf(s.name).replace(/type Query \{/, 'type Query {\n  retiredField: Int')
            : sdlOf(s.name),
        ),
      })),
    ).supergraphSdl!;
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-schema-check-'));
    const file = join(dir, 'earlier-supergraph.graphql');
    writeFileSync(file, earlier);
    try {
      const { status, out } = schemaCheck('--all', '--against', file);
      expect(status).toBe(1);
      expect(out).toContain("Field 'retiredField' was removed from object type 'Query'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
