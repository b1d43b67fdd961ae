import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * A TypeORM logger that counts the SQL statements a data source runs. Tests read it to assert how
 * many statements a request costs (no N+1), which is stable where timings are not.
 */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  private errors: string[] = [];

  logQuery(): void {
    this.count += 1;
  }
  logQueryError(error: string | Error): void {
    this.errors.push(String(error));
    if (this.errors.length > 100) this.errors.shift();
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** Runs `fn` and returns how many statements it issued along with its result. */
  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = this.count;
    const result = await fn();
    return { result, statements: this.count - before };
  }
}
