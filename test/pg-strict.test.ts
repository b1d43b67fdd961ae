import { Client } from 'pg';
import { takeViolations } from './support/pg-strict';
import { testEnv } from './support/config';

/** The guard every test file runs with (test/support/pg-strict.ts) catches what pg 9 refuses. */
describe('one query at a time per pg client', () => {
  const url = testEnv().adminDatabaseUrl;

  it('when two queries are sent on one client at once, then the guard records it', async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await Promise.all([client.query('SELECT 1'), client.query('SELECT 2')]);
      expect(takeViolations()).toHaveLength(1);
      await client.query('SELECT 3');
      await client.query('SELECT 4');
      expect(takeViolations()).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
