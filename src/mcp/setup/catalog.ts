/**
 * The setup catalog: the MCP servers `ai mcp setup` knows how to install and configure, with the
 * keys and settings each needs. Secrets are always referenced as `${VAR}` so `.mcp.json` never
 * holds a credential; the values go to `.env`.
 */

export type InstallMode = 'global' | 'local' | 'none';

export interface CatalogSecret {
  /** Environment variable that holds it (also the `.env` key). */
  name: string;
  prompt: string;
  /** Where to get one. */
  help: string;
}

export interface CatalogSetting {
  /** Flag-style name: `--set <name>=<value>`. */
  name: string;
  prompt: string;
  default: string;
  /** Where the value goes in the server entry. */
  target: { kind: 'args' } | { kind: 'env'; variable: string };
  /** An empty answer leaves the setting out (uses the server's own default). */
  optional?: boolean;
}

export interface NpmPackage {
  name: string;
  /** The executable the package installs. */
  bin: string;
}

export interface CatalogVariant {
  id: string;
  title: string;
  transport: 'stdio' | 'http';
  /** npm-installable variants; `--install` applies only to these. */
  package?: NpmPackage;
  /** For non-npm stdio variants: the fixed command. */
  command?: string;
  args?: string[];
  url?: string;
  headers?: Record<string, string>;
  /** How to get it when it is not an npm package. */
  installHint?: string;
  /** Shown before it is chosen; the variant is never a default. */
  deprecated?: string;
}

export interface CatalogEntry {
  id: string;
  title: string;
  description: string;
  secrets: CatalogSecret[];
  settings: CatalogSetting[];
  variants: CatalogVariant[];
}

const githubToken: CatalogSecret = {
  name: 'GITHUB_PERSONAL_ACCESS_TOKEN',
  prompt: 'GitHub personal access token',
  help: 'Create one at https://github.com/settings/personal-access-tokens (fine-grained, the repositories you want the model to use).',
};

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'sequential-thinking',
    title: 'Sequential Thinking',
    description: 'Structured step-by-step reasoning tool (no keys needed).',
    secrets: [],
    settings: [],
    variants: [
      {
        id: 'npm',
        title: 'npm package',
        transport: 'stdio',
        package: {
          name: '@modelcontextprotocol/server-sequential-thinking',
          bin: 'mcp-server-sequential-thinking',
        },
      },
    ],
  },
  {
    id: 'github',
    title: 'GitHub',
    description:
      "GitHub's official server (github/github-mcp-server): repositories, issues, pull requests, actions.",
    secrets: [githubToken],
    settings: [],
    variants: [
      {
        id: 'binary',
        title: 'github-mcp-server binary on PATH',
        transport: 'stdio',
        command: 'github-mcp-server',
        args: ['stdio'],
        installHint:
          'Download github-mcp-server from https://github.com/github/github-mcp-server/releases and put it on PATH.',
      },
      {
        id: 'docker',
        title: 'container (docker run ghcr.io/github/github-mcp-server)',
        transport: 'stdio',
        command: 'docker',
        args: ['run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server'],
        installHint:
          'Needs Docker; the image is pulled on first start (docker pull ghcr.io/github/github-mcp-server).',
      },
      {
        id: 'remote',
        title: 'remote endpoint (https://api.githubcopilot.com/mcp/) with a token header',
        transport: 'http',
        url: 'https://api.githubcopilot.com/mcp/',
        headers: { Authorization: 'Bearer ${GITHUB_PERSONAL_ACCESS_TOKEN}' },
      },
      {
        id: 'npm-legacy',
        title: 'legacy npm package @modelcontextprotocol/server-github (deprecated)',
        transport: 'stdio',
        package: { name: '@modelcontextprotocol/server-github', bin: 'mcp-server-github' },
        deprecated:
          '@modelcontextprotocol/server-github is archived and no longer maintained; it gets no fixes. Prefer the binary, container or remote variant.',
      },
    ],
  },
  {
    id: 'brave-search',
    title: 'Brave Search',
    description:
      'Web, news, image and local search through the Brave Search API (@brave/brave-search-mcp-server).',
    secrets: [
      {
        name: 'BRAVE_API_KEY',
        prompt: 'Brave Search API key',
        help: 'Get one at https://api-dashboard.search.brave.com/app/keys.',
      },
    ],
    settings: [],
    variants: [
      {
        id: 'npm',
        title: 'npm package',
        transport: 'stdio',
        package: { name: '@brave/brave-search-mcp-server', bin: 'brave-search-mcp-server' },
      },
    ],
  },
  {
    id: 'filesystem',
    title: 'Filesystem',
    description: 'Read and write files inside the directories you allow.',
    secrets: [],
    settings: [
      {
        name: 'directories',
        prompt: 'Directories the server may access (comma separated)',
        default: '.',
        target: { kind: 'args' },
      },
    ],
    variants: [
      {
        id: 'npm',
        title: 'npm package',
        transport: 'stdio',
        package: { name: '@modelcontextprotocol/server-filesystem', bin: 'mcp-server-filesystem' },
      },
    ],
  },
  {
    id: 'memory',
    title: 'Memory',
    description: 'A persistent knowledge graph the model can read and write.',
    secrets: [],
    settings: [
      {
        name: 'memory-file',
        prompt: 'Where to keep the memory file (empty: the package default)',
        default: '',
        optional: true,
        target: { kind: 'env', variable: 'MEMORY_FILE_PATH' },
      },
    ],
    variants: [
      {
        id: 'npm',
        title: 'npm package',
        transport: 'stdio',
        package: { name: '@modelcontextprotocol/server-memory', bin: 'mcp-server-memory' },
      },
    ],
  },
  {
    id: 'everything',
    title: 'Everything',
    description: 'The MCP reference test server: every protocol feature, for trying clients out.',
    secrets: [],
    settings: [],
    variants: [
      {
        id: 'npm',
        title: 'npm package',
        transport: 'stdio',
        package: { name: '@modelcontextprotocol/server-everything', bin: 'mcp-server-everything' },
      },
    ],
  },
];

/** `ai mcp setup custom`: any command or URL, described by flags or prompts. */
export const CUSTOM_ID = 'custom';

export function catalogIds(): string[] {
  return [...CATALOG.map((e) => e.id), CUSTOM_ID];
}

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}

/** The variant used when none is chosen: the first one that is not deprecated. */
export function defaultVariant(entry: CatalogEntry): CatalogVariant {
  return entry.variants.find((v) => !v.deprecated) as CatalogVariant;
}

/** The catalog as printed by `setup --list` / `list --available`. */
export function describeCatalog(): {
  id: string;
  title: string;
  description: string;
  variants: { id: string; title: string; package?: string; deprecated?: string }[];
  secrets: string[];
}[] {
  const entries = CATALOG.map((e) => ({
    id: e.id,
    title: e.title,
    description: e.description,
    variants: e.variants.map((v) => ({
      id: v.id,
      title: v.title,
      package: v.package?.name,
      deprecated: v.deprecated,
    })),
    secrets: e.secrets.map((s) => s.name),
  }));
  return [
    ...entries,
    {
      id: CUSTOM_ID,
      title: 'Custom',
      description: 'Any stdio command (--command) or remote URL (--url).',
      variants: [],
      secrets: [],
    },
  ];
}
