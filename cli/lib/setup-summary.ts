/**
 * What `ai mcp setup` is about to do, for people (lines on stderr) and for `--json` (a summary
 * object). Everything here is redacted: commands, URLs, env values and headers.
 */
import { redactArgs, redactUrl, redactValue } from '../../src/mcp/setup/redact';
import type { SetupPlan } from '../../src/mcp/setup/setup-plan';

export function describePlan(plan: SetupPlan): { lines: string[]; summary: Record<string, unknown> } {
  const d = plan.definition;
  const target =
    d.transport === 'stdio'
      ? [d.command ?? '', ...redactArgs(d.args ?? [])].join(' ')
      : redactUrl(d.url ?? '');
  const lines = [
    `Plan (${plan.action} "${plan.name}" in ${plan.configFile}):`,
    `  server:  ${d.transport} ${target}`,
  ];
  for (const step of plan.install) lines.push(`  install: $ ${step.display}`);
  if (plan.installNote) lines.push(`  install: ${plan.installNote}`);
  if (plan.envVariables.length > 0) {
    lines.push(`  secrets: ${plan.envVariables.join(', ')} → ${plan.envFile} (mode 0600)`);
  }
  if (plan.gitignore.add) lines.push(`  git:     add ${plan.gitignore.add} to ${plan.gitignore.file}`);
  const redactMap = (values: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, redactValue(k, v)]));
  return {
    lines,
    summary: {
      name: plan.name,
      catalog: plan.catalogId,
      variant: plan.variant,
      action: plan.action,
      file: plan.configFile,
      transport: d.transport,
      target,
      env: redactMap(d.env),
      headers: redactMap(d.headers),
      envFile: plan.envFile,
      secretsStored: plan.envVariables,
      gitignoreAdded: plan.gitignore.add,
      install: plan.install.map((s) => s.display),
      installNote: plan.installNote,
      deprecated: plan.deprecated,
    },
  };
}
