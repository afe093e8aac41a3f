/**
 * Enabling, disabling and removing configured servers. Each edit keeps the rest of `.mcp.json`
 * exactly as it was and is written atomically; removal also drops the server's tools-cache entry,
 * reports chains that still reference it, and can uninstall the npm package setup installed.
 */
import { McpConfigDocument } from './config-document';
import { detectInstall, planUninstall, type InstallStep } from './installer';
import { removeFromToolsCache } from './tools-cache';
import path from 'node:path';

export interface EnableResult {
  server: string;
  enabled: boolean;
  changed: boolean;
}

export async function setServerEnabled(
  configPath: string,
  server: string,
  enabled: boolean,
): Promise<EnableResult> {
  const doc = await McpConfigDocument.read(configPath);
  const changed = doc.setEnabled(server, enabled);
  if (changed) {
    doc.validate();
    await doc.save();
  }
  return { server, enabled, changed };
}

export interface RemovalPlan {
  server: string;
  /** `keep-config`: disable instead of deleting the entry. */
  action: 'remove' | 'disable';
  /** Chains whose `servers` list names this server; they will refer to a missing or disabled server. */
  chains: string[];
  uninstall: InstallStep[];
  /** Set when --uninstall was asked but setup cannot tell what to uninstall. */
  uninstallNote?: string;
}

export async function planRemoval(
  configPath: string,
  server: string,
  options: { keepConfig: boolean; uninstall: boolean },
): Promise<RemovalPlan> {
  const doc = await McpConfigDocument.read(configPath);
  const { entry } = doc.get(server);
  let uninstall: InstallStep[] = [];
  let uninstallNote: string | undefined;
  if (options.uninstall) {
    const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
    const installed = detectInstall(typeof entry.command === 'string' ? entry.command : undefined, args);
    if (!installed)
      uninstallNote = `"${server}" does not run a package from the setup catalog; nothing to uninstall.`;
    else if (installed.mode === 'none')
      uninstallNote = `"${server}" runs through npx -y; nothing was installed.`;
    else uninstall = planUninstall(installed.pkg, installed.mode, path.dirname(path.resolve(configPath)));
  }
  return {
    server,
    action: options.keepConfig ? 'disable' : 'remove',
    chains: doc.chainsReferencing(server),
    uninstall,
    uninstallNote,
  };
}

/** Applies the config part of a removal plan (uninstalling is run by the caller, which prints it). */
export interface RemovalResult {
  toolsCacheEntryRemoved: boolean;
  /** Chains the server was taken out of, and chains removed because they were left empty. */
  chainsUpdated: string[];
  chainsRemoved: string[];
}

export async function applyRemoval(
  configPath: string,
  toolsPath: string,
  plan: RemovalPlan,
): Promise<RemovalResult> {
  const doc = await McpConfigDocument.read(configPath);
  let chains = { updated: [] as string[], removed: [] as string[] };
  if (plan.action === 'disable') doc.setEnabled(plan.server, false);
  else {
    doc.removeServer(plan.server);
    chains = doc.detachFromChains(plan.server);
  }
  doc.validate();
  await doc.save();
  const toolsCacheEntryRemoved =
    plan.action === 'remove' ? await removeFromToolsCache(toolsPath, plan.server) : false;
  return { toolsCacheEntryRemoved, chainsUpdated: chains.updated, chainsRemoved: chains.removed };
}
