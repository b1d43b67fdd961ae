import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type {
  GraphQLError,
  GraphQLFormattedError,
  ValidationContext,
  ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

/**
 * Validation rules that refuse an abusive document before any subgraph is called: depth (fragments
 * flattened; introspection's own `__schema` field is exempt, a fragment merely named `__schema` is
 * not), aliases, directives and cost. Tokens are limited by the parser (`parseOptions`).
 */
export function limitRules(l: QueryLimits): ValidationRule[] {
  // Rejections become validation errors of the request (400, GRAPHQL_VALIDATION_FAILED), not throws.
  const quiet = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
    ],
  };
  return [
    maxDepthRule({ n: l.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...quiet }),
    maxAliasesRule({ n: l.maxAliases, ...quiet }),
    maxDirectivesRule({ n: l.maxDirectives, ...quiet }),
    costLimitRule({ maxCost: l.maxCost, ignoreIntrospection: true, ...quiet }),
  ] as unknown as ValidationRule[];
}

/** "Cannot query field "nmae" on type "Resident". Did you mean "name"?" without the hint. */
export function withoutSuggestions(error: GraphQLFormattedError): GraphQLFormattedError {
  const message = error.message.replace(/\s*Did you mean [^?]*\?/g, '');
  return message === error.message ? error : { ...error, message };
}
