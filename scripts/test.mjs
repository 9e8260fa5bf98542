#!/usr/bin/env node
// `npm test`: build, type-check, lint, start the backing services, run every workspace's
// tests through turbo, and close with one summary line ("N passed, N failed, N skipped").
// Exits non-zero when anything fails or when no test ran at all.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const turbo = ['node_modules/.bin/turbo'];
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const run = (label, command, args, { onLine } = {}) =>
  new Promise((resolve) => {
    const began = Date.now();
    console.log(`\n=== ${label}`);
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk) => {
        const text = pending + chunk.toString();
        const lines = text.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          (stream === child.stdout ? process.stdout : process.stderr).write(`${line}\n`);
          onLine?.(line);
        }
      });
      stream.on('end', () => pending && onLine?.(pending));
    }
    child.on('close', (code, signal) => {
      console.log(`=== ${label}: ${code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds(began)}`);
      resolve(code === 0);
    });
  });

const totals = { tests: 0, pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
// node:test closing lines, TAP ("# pass 3") or spec ("ℹ pass 3"), possibly behind turbo's prefix.
const summary = /(?:^|\s)(?:#|ℹ) (tests|pass|fail|skipped|cancelled|todo) (\d+)\s*$/;
// Failed tests, repeated at the end so a truncated log still names them: "not ok N - name" and
// the first `error:` line of its YAML block, behind turbo's "<workspace>:test: " prefix.
const failures = [];
const notOk = /^(?:(\S+):test: )?(?:\s*)not ok \d+ - (.*)$/;
const errorLine = /^(?:\S+:test: )?\s+error: (.*)$/;
let awaitingError = 0;
const count = (line) => {
  const match = summary.exec(line);
  if (match) totals[match[1]] += Number(match[2]);
  const failed = notOk.exec(line);
  if (failed) {
    failures.push({ workspace: failed[1] ?? '', name: failed[2], error: '' });
    awaitingError = 12;
  } else if (awaitingError > 0) {
    awaitingError -= 1;
    const error = errorLine.exec(line);
    if (error) {
      failures.at(-1).error = error[1].slice(0, 300);
      awaitingError = 0;
    }
  }
};

/** A step that installs Debian `packages` unless the shell test `present` passes (sudo when not root; waits for apt's lock). */
const debianPackages = (present, packages) => ['sh', ['-c', [
  `${present} && exit 0`,
  'apt="env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600"',
  'if [ "$(id -u)" != 0 ]; then apt="sudo -n $apt"; fi',
  `$apt install -y --no-install-recommends ${packages} || { $apt update && $apt install -y --no-install-recommends ${packages}; }`,
].join('\n')]];

const steps = [
  ['build', process.execPath, [...turbo, 'run', 'build', '--output-logs=errors-only']],
  ['typecheck', process.execPath, [...turbo, 'run', 'typecheck', '--output-logs=errors-only']],
  ['lint', process.execPath, [...turbo, 'run', 'lint', '--output-logs=errors-only']],
  ['backing services (rivulet infra up)', process.execPath, ['packages/cli/bin/rivulet.js', 'infra', 'up']],
  // The chat page's test drives Debian's Chromium with playwright-core; only the tests need it.
  ['test browser (Debian chromium)', ...debianPackages('test -x /usr/bin/chromium', 'chromium')],
  // The Python consumer test (e2e/python) builds a virtualenv; Debian's python3 needs python3-venv for that.
  ['test Python (python3 -m venv)', ...debianPackages('python3 -c "import ensurepip, venv" 2>/dev/null', 'python3 python3-venv')],
];
let ok = true;
for (const [label, command, args] of steps) {
  if (!(await run(label, command, args))) {
    ok = false;
    break;
  }
}
if (ok) {
  ok = await run('tests', process.execPath, [...turbo, 'run', 'test', '--continue', '--concurrency=1', '--log-order=grouped', '--output-logs=full'], { onLine: count });
}

console.log(`\nTotal time ${seconds(started)}.`);
if (failures.length > 0) {
  console.log('Failed tests:');
  for (const { workspace, name, error } of failures) console.log(`- ${workspace} ${name}${error ? `: ${error}` : ''}`);
}
const failed = totals.fail + totals.cancelled + (ok ? 0 : totals.fail + totals.cancelled === 0 ? 1 : 0);
if (totals.tests === 0) console.log('No test ran.');
console.log(`${totals.pass} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.tests > 0 && failed === 0 ? 0 : 1);
