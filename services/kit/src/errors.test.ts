import { GraphQLError } from 'graphql';
import { conflict, errorMetricCode } from './errors';

describe('the code an error is counted under in graphql_errors_total', () => {
  it('when the database refused the connection (ECONNREFUSED on the original error), then it counts as an internal error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(errorMetricCode(new GraphQLError('x', { originalError: refused }))).toBe(
      'INTERNAL_SERVER_ERROR',
    );
    const sqlstate = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    expect(errorMetricCode(new GraphQLError('x', { originalError: sqlstate }))).toBe(
      'INTERNAL_SERVER_ERROR',
    );
  });

  it("when the error is the application's own or carries a GraphQL code, then it counts under that code", () => {
    expect(errorMetricCode(new GraphQLError('x', { originalError: conflict('taken') }))).toBe(
      'CONFLICT',
    );
    expect(
      errorMetricCode(new GraphQLError('x', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
    ).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
