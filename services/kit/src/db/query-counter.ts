import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** The statement count of the HTTP request being served, if any (see `startHttpServer`). */
export const requestStatements = new AsyncLocalStorage<{ count: number }>();

/**
 * A TypeORM logger that counts the SQL statements a data source runs. Tests read it to assert how
 * many statements a request costs (no N+1), which is stable where timings are not.
 */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  private errors: string[] = [];

  logQuery(): void {
    this.count += 1;
    const scope = requestStatements.getStore();
    if (scope) scope.count += 1;
  }
  logQueryError(error: string | Error): void {
    this.errors.push(String(error));
    if (this.errors.length > 100) this.errors.shift();
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
