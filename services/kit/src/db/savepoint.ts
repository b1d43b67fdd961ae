import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/**
 * Runs `work` inside a savepoint of the manager's transaction: if it fails, only its own writes are
 * undone and the transaction can go on (e.g. record a rejection after a refused insert).
 */
export async function withSavepoint<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
  const name = `sp_${randomBytes(4).toString('hex')}`;
  await manager.query(`SAVEPOINT ${name}`);
  try {
    const result = await work();
    await manager.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
}
