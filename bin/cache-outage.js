#!/usr/bin/env node
/**
 * `cache-outage` — the operators' CLI. Runs cli/operator.ts with tsx
 * from this repository, so `npx cache-outage …` works without a build step.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsx = require.resolve('tsx/cli', { paths: [root] });
const child = spawn(process.execPath, [tsx, path.join(root, 'cli', 'operator.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
