/**
 * The real entry point as a child process: a bad configuration stops start-up
 * with a message naming the variable and a non-zero exit code.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), join(__dirname, '..', '..', 'src', 'main.ts')],
      {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
        cwd: join(__dirname, '..', '..'),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

it('refuses to start on a bad value, naming the variable, with exit code 1', async () => {
  const { code, stderr } = await runMain({ PORT: 'eighty', RATE_LIMIT_PER_MINUTE: '-1' });
  expect(code).toBe(1);
  expect(stderr).toMatch(/Invalid configuration/);
  expect(stderr).toMatch(/PORT: .*"eighty"/);
  expect(stderr).toMatch(/RATE_LIMIT_PER_MINUTE/);
}, 60_000);
