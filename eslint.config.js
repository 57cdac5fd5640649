// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { importX, createNodeResolver } = require('eslint-plugin-import-x');

module.exports = tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', '.local/', 'coverage/', 'test-results/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The layers (CONTRIBUTING.md): handlers → use cases → domain; adapters
    // behind ports; wiring builds clients; only handlers and wiring read config.
    files: ['functions/**/*.ts', 'cli/**/*.ts', 'local/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './functions/domain',
              from: './functions',
              except: ['./domain'],
              message: 'The domain is pure: it imports only the domain.',
            },
            {
              target: './functions/adapters',
              from: ['./functions/usecases', './functions/handlers', './functions/wiring', './functions/config.ts'],
              message:
                'Adapters implement ports: they import ports and the domain, never use cases, handlers, wiring or config.',
            },
            {
              target: './functions/usecases',
              from: ['./functions/config.ts', './functions/adapters', './functions/wiring', './functions/handlers'],
              message: 'Use cases get configuration and adapters through their deps.',
            },
            {
              target: ['./functions', './cli'],
              from: ['./local', './bench', './test'],
              message: 'Product code (functions/, the CLI) never imports the local stack, the benchmark or tests.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@aws-sdk/*'], message: 'Domain code never imports the AWS SDK: use a port.' }] },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only functions/config.ts reads process.env.' },
      ],
    },
  },

  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
