// One lint configuration for every workspace (ESLint flat config, type-aware).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.rivulet/**', '**/bin/*.js', '**/*.config.js', 'scripts/**', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Each workspace's tsconfig.check.json covers src, test and scripts, so tests are linted with types too.
      parserOptions: { project: ['./*/tsconfig.check.json', './*/*/tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['*/tsconfig.check.json', '*/*/tsconfig.check.json'] })] },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@rivulet/*/src/*', '@rivulet/*/dist/*'], message: 'Import a workspace through its package entry point, never its files.' },
          { group: ['kafkajs', '@kafkajs/*'], message: 'Only @rivulet/kafka talks to Kafka and the schema registry (CONVENTIONS.md rule 1).' },
        ],
      }],
    },
  },
  {
    // The one door to Kafka.
    files: ['packages/kafka/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@rivulet/*/src/*', '@rivulet/*/dist/*'], message: 'Import a workspace through its package entry point.' }] }] },
  },
  {
    // Command-line output is the one place that writes to the terminal directly.
    files: ['packages/cli/src/**/*.ts', 'infra/src/**/*.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
