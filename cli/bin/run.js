#!/usr/bin/env node
// Entry point of the `ai` CLI.
// Start-up speed matters (scripts call `ai mcp list --json` in loops), so this runs the compiled
// JavaScript in dist/ when it exists and is newer than every source file the CLI can load
// (cli/ and src/: the analytics commands reach the database and analytics code, so the whole tree
// counts; walking it costs about a millisecond). Otherwise, e.g. on a fresh clone or right after an edit, it
// registers tsx's CommonJS hook and runs the TypeScript sources directly: slower to start, never stale.
// `npm run build:cli` (or `npm run build`) refreshes dist/. AI_CLI_SOURCE=1 forces the sources;
// AI_CLI_COMPILED=1 trusts dist/ without comparing dates (installed copies, benchmarks).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const marker = path.join(root, 'dist', 'cli', 'lib', 'base-command.js');
const sourceDirs = ['cli', 'src'].map((d) => path.join(root, d));

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.AI_CLI_SOURCE === '1') return false;
  let built;
  try {
    built = fs.statSync(marker).mtimeMs;
  } catch {
    return false;
  }
  if (process.env.AI_CLI_COMPILED === '1') return true;
  return sourceDirs.every((dir) => newestSource(dir) <= built);
}

async function main() {
  const oclif = require('@oclif/core');
  if (!compiledIsFresh()) {
    require('tsx/cjs');
    // package.json points oclif at dist/cli/commands; with auto-transpile on, oclif maps that
    // back to cli/commands through tsconfig's outDir/rootDir and loads the .ts files.
    oclif.settings.enableAutoTranspile = true;
  } else {
    oclif.settings.enableAutoTranspile = false;
  }
  await oclif.execute({ dir: __dirname });
}

main();
