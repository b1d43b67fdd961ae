import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * Dates travel as YYYY-MM-DD strings. Parsing is lenient on purpose: the use cases validate the
 * value and answer with BAD_USER_INPUT naming the exact input field.
 */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('Date must be a string YYYY-MM-DD');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string YYYY-MM-DD');
    return ast.value;
  },
});

/** Instants travel as ISO-8601 strings; like dates, input is validated by the use cases. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be an ISO-8601 string');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return ast.value;
  },
});
