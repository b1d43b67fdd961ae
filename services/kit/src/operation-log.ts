import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { requestStatements } from './db/query-counter';
import type { Logger } from './logger';

/**
 * One log line per GraphQL operation, on the request's logger (so it carries the request id and
 * trace id): operation name and type, its top-level fields, SQL statements run, error count and
 * duration. Variables are never logged (they may hold personal data).
 */
export function operationLogPlugin<
  TContext extends BaseContext & { logger: Logger },
>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(rc) {
          const fields =
            rc.operation?.selectionSet.selections.flatMap((s) =>
              s.kind === 'Field' ? [s.name.value] : [],
            ) ?? [];
          const statements = requestStatements.getStore()?.count;
          rc.contextValue.logger.info(
            {
              operation: rc.operationName ?? undefined,
              type: rc.operation?.operation,
              fields,
              ...(statements === undefined ? {} : { statements }),
              errors: rc.errors?.length ?? 0,
              ms: Math.round(performance.now() - started),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
