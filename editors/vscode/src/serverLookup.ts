// Pure logic for finding the abstrakt-lsp binary. No `vscode` import here so
// that it can be unit-tested with plain `node --test`.
import * as path from 'node:path';
import * as os from 'node:os';

export type CandidateSource = 'env' | 'setting' | 'bundled' | 'path';

export interface Candidate {
  source: CandidateSource;
  /** Absolute path (or the bare command name for lookups that failed to resolve). */
  path: string;
}

export interface LookupInput {
  /** Process environment (ABSTRAKT_LSP_PATH, PATH, PATHEXT). */
  env: Record<string, string | undefined>;
  /** Value of `abstrakt.server.path` (already filtered for workspace trust). */
  settingPath?: string | null;
  /** Root folder of the installed extension. */
  extensionPath: string;
  /** Folder used to resolve a relative `abstrakt.server.path`, if any. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  homeDir?: string;
  /** Returns true if `p` is an existing file (executable check is done by probing). */
  isFile: (p: string) => boolean;
}

export const SERVER_NAME = 'abstrakt-lsp';

export function executableName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? `${SERVER_NAME}.exe` : SERVER_NAME;
}

/** Expands `~`, `${userHome}` and `${workspaceFolder}` and resolves relative paths. */
export function expandPath(
  raw: string,
  opts: { homeDir?: string; workspaceFolder?: string } = {},
): string {
  const home = opts.homeDir ?? os.homedir();
  let p = raw.trim();
  p = p.replace(/\$\{userHome\}/g, home);
  if (opts.workspaceFolder) {
    p = p.replace(/\$\{workspaceFolder\}/g, opts.workspaceFolder);
  }
  if (p === '~') {
    p = home;
  } else if (p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(home, p.slice(2));
  }
  if (!path.isAbsolute(p) && opts.workspaceFolder && /[\\/]/.test(p)) {
    p = path.resolve(opts.workspaceFolder, p);
  }
  return p;
}

/** Searches PATH for `name` the way a shell would. */
export function whichSync(
  name: string,
  env: Record<string, string | undefined>,
  isFile: (p: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const sep = platform === 'win32' ? ';' : ':';
  const dirs = (env.PATH ?? env.Path ?? '').split(sep).filter((d) => d.length > 0);
  const exts =
    platform === 'win32'
      ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase())]
      : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * The candidates, in lookup order:
 * `ABSTRAKT_LSP_PATH` ▸ `abstrakt.server.path` ▸ bundled `server/abstrakt-lsp` ▸ `abstrakt-lsp` on PATH.
 * Bundled and PATH candidates are only listed when they exist.
 */
export function serverCandidates(input: LookupInput): Candidate[] {
  const platform = input.platform ?? process.platform;
  const out: Candidate[] = [];
  const envPath = input.env.ABSTRAKT_LSP_PATH?.trim();
  if (envPath) {
    out.push({ source: 'env', path: expandPath(envPath, { homeDir: input.homeDir }) });
  }
  const setting = input.settingPath?.trim();
  if (setting) {
    out.push({
      source: 'setting',
      path: expandPath(setting, { homeDir: input.homeDir, workspaceFolder: input.workspaceFolder }),
    });
  }
  const bundled = path.join(input.extensionPath, 'server', executableName(platform));
  if (input.isFile(bundled)) {
    out.push({ source: 'bundled', path: bundled });
  }
  const onPath = whichSync(SERVER_NAME, input.env, input.isFile, platform);
  if (onPath) {
    out.push({ source: 'path', path: onPath });
  }
  return out;
}

export type ProbeResult = { ok: true; version: string } | { ok: false; error: string };

export interface LookupResult {
  server?: Candidate & { version: string };
  /** Candidates that were tried and rejected, with the reason. */
  rejected: Array<Candidate & { error: string }>;
}

/**
 * Tries the candidates in order and returns the first one whose `--version`
 * probe succeeds. Rejected candidates are reported so the UI can explain them.
 */
export async function findServer(
  input: LookupInput,
  probe: (p: string) => Promise<ProbeResult>,
): Promise<LookupResult> {
  const rejected: LookupResult['rejected'] = [];
  const seen = new Set<string>();
  for (const candidate of serverCandidates(input)) {
    if (seen.has(candidate.path)) {
      continue;
    }
    seen.add(candidate.path);
    const result = await probe(candidate.path);
    if (result.ok) {
      return { server: { ...candidate, version: result.version }, rejected };
    }
    rejected.push({ ...candidate, error: result.error });
  }
  return { rejected };
}

/** Parses `abstrakt-lsp 1.2.3` (as printed by `--version`) into `1.2.3`. */
export function parseVersion(stdout: string): string | undefined {
  const line = stdout.trim().split(/\r?\n/)[0] ?? '';
  const m = /^abstrakt-lsp\s+(\S+)/.exec(line.trim());
  return m ? m[1] : undefined;
}

export function describeSource(source: CandidateSource): string {
  switch (source) {
    case 'env':
      return 'ABSTRAKT_LSP_PATH';
    case 'setting':
      return 'abstrakt.server.path';
    case 'bundled':
      return 'bundled with the extension';
    case 'path':
      return 'PATH';
  }
}

/** Human-readable explanation used in the "server not found" error. */
export function notFoundMessage(result: LookupResult): string {
  const base =
    'Abstrakt: could not find a working abstrakt-lsp server. Install it (`pip install abstrakt-lsp`, `npm install -g abstrakt-lsp` or `cargo install abstrakt-lsp`) ' +
    'and put it on PATH, or set `abstrakt.server.path`.';
  if (result.rejected.length === 0) {
    return base;
  }
  const why = result.rejected
    .map((r) => `${r.path} (${describeSource(r.source)}): ${r.error}`)
    .join('; ');
  return `${base} Tried: ${why}`;
}
