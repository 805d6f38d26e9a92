// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Orchestrator code is replayed: anything that reads the clock, randomness, the
 * environment or the network would make a replay diverge from its history.
 * The fence below is the enforcement; the rules in DEVELOPERS.md are the why.
 */
const orchestrationFence = {
  files: ['shared/orchestrations/**/*.ts', 'test/**/orchestrations/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(?!durable-functions$|\\.)',
            message: 'Orchestrators may import only durable-functions and their own modules (no Node built-ins, SDKs or config).',
            allowTypeImports: true,
          },
          {
            regex: '(^|/)(adapters|activities|config|devhost|sandbox|ports)(/|$)',
            message: 'Orchestrators reach activities by name and never load adapters, ports or config; use `import type`.',
            allowTypeImports: true,
          },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      ...['process', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'require', 'crypto', 'performance'].map((name) => ({
        name,
        message: `'${name}' is not deterministic under replay; use the durable context (currentUtcDateTime, createTimer, newGuid, activities).`,
      })),
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
      { object: 'Math', property: 'random', message: 'Use context.df.newGuid() or an activity.' },
      { object: 'console', message: 'Log through the orchestration context (replay-safe).' },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the clock; use context.df.currentUtcDateTime.' },
      { selector: "CallExpression[callee.name='Date']", message: 'Date() reads the clock; use context.df.currentUtcDateTime.' },
      { selector: "ImportExpression", message: 'Dynamic import is I/O.' },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'out/**', '**/*.js', '!eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  orchestrationFence,
);
