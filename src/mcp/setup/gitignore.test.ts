import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyGitignore, planGitignore } from './gitignore';

function project(gitignore?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gi-'));
  if (gitignore !== undefined) writeFileSync(path.join(dir, '.gitignore'), gitignore);
  return dir;
}

describe('.gitignore for the secret store', () => {
  it.each([['.env\n'], ['/.env\n'], ['*.env\n'], ['.env*\n'], ['node_modules\n.env\n']])(
    'recognises %j',
    async (text) => {
      const dir = project(text);
      expect((await planGitignore(dir, path.join(dir, '.env'))).add).toBeUndefined();
    },
  );

  it('adds the file when missing, after a final line without newline', async () => {
    const dir = project('node_modules');
    const plan = await planGitignore(dir, path.join(dir, '.env'));
    expect(plan.add).toBe('.env');
    expect(plan.after).toBe('node_modules\n# secrets for MCP servers (written by ai mcp setup)\n.env\n');
    await applyGitignore(plan);
  });

  it('treats a later negation as not ignored, and creates the file when absent', async () => {
    const dir = project('.env*\n!.env\n');
    expect((await planGitignore(dir, path.join(dir, '.env'))).add).toBe('.env');
    const fresh = project();
    expect((await planGitignore(fresh, path.join(fresh, 'config', 'secrets.env'))).after).toContain(
      'config/secrets.env\n',
    );
  });

  it('does nothing for a file outside the project', async () => {
    const dir = project();
    expect((await planGitignore(dir, path.join(dir, '..', 'elsewhere.env'))).add).toBeUndefined();
  });
});
