// Lint rules for the whole monorepo: typescript-eslint's recommended set plus a few rules that keep
// configuration, logging and async code honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The one anatomy of a subgraph (services/kit/README.md): `domain/` holds the use cases, rules and
 * the ports they need; `data/` implements the ports; `schema/` and `events/` are adapters that call
 * the use cases; `app.ts` is the composition root that binds them. Dependencies point inwards.
 */
const SUBGRAPHS = '{residents,facilities,shared-spaces,volunteers,mediation}';
const layer = (dir, forbidden, message) => ({
  files: [`services/${SUBGRAPHS}/src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden.flatMap((f) => [f, `${f}/*`]), message }] },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.data/**',
      'infra/kafka/lib/**',
      'coverage/**',
      // Written by `npm run codegen` from the SDL (a test checks they are current).
      'services/*/src/schema/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // CommonJS config and reporter files that Jest loads directly.
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.ts', 'infra/**/*.ts', 'schemas/*.ts'],
    rules: { 'no-console': 'off' },
  },
  layer(
    'domain',
    ['../data', '../schema', '../events', '../app', 'typeorm', 'pg', 'graphql', 'dataloader'],
    'The domain depends on nothing outside itself but the kit and the event contracts: it declares the ports (domain/ports.ts) that data/ implements and app.ts binds.',
  ),
  layer(
    'events',
    ['../schema', '../data'],
    'Event handlers call the domain use cases through the composition root (../app), not the GraphQL layer or the data layer.',
  ),
  layer(
    'schema',
    ['../data', '../events'],
    'Resolvers only translate: they reach the data through the use cases and the store ports that the composition root (../app) binds.',
  ),
  layer(
    'data',
    ['../schema', '../events', '../app'],
    'The data layer implements the domain ports; it does not know the adapters or the composition root.',
  ),
);
