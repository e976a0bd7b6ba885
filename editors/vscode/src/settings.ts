// Pure logic mapping VS Code settings to what the server receives. No
// `vscode` import here so that it can be unit-tested with plain `node --test`.

export const SECTION = 'abstrakt';

export type IntendedUse = 'commercial' | 'personal' | 'research';
export const INTENDED_USES: readonly IntendedUse[] = ['commercial', 'personal', 'research'];

/** `diagnostics.scope` values the server knows (src/lsp/settings.rs, src/lsp/workspace.rs). */
export type DiagnosticsScope = 'openFiles' | 'workspace';
export const DIAGNOSTICS_SCOPES: readonly DiagnosticsScope[] = ['openFiles', 'workspace'];

/** The keys read from `abstrakt.*` (dotted, relative to the section). */
export const SETTING_KEYS = [
  'intendedUse',
  'offline',
  'apiUrl',
  'inlayHints.enabled',
  'diagnostics.scope',
  'server.path',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Shape of `WorkspaceConfiguration.inspect()` that we care about. */
export interface Inspected<T = unknown> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface EffectiveSettings {
  intendedUse?: IntendedUse;
  offline: boolean;
  apiUrl?: string;
  inlayHintsEnabled: boolean;
  diagnosticsScope: DiagnosticsScope;
  serverPath?: string;
}

/**
 * Picks the value VS Code would use, except that in an untrusted workspace
 * workspace-level values (.vscode/settings.json, folder settings) are ignored.
 */
export function pickValue<T>(inspected: Inspected<T> | undefined, trusted: boolean): T | undefined {
  if (!inspected) {
    return undefined;
  }
  if (trusted) {
    if (inspected.workspaceFolderValue !== undefined) return inspected.workspaceFolderValue;
    if (inspected.workspaceValue !== undefined) return inspected.workspaceValue;
  }
  if (inspected.globalValue !== undefined) return inspected.globalValue;
  return inspected.defaultValue;
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function effectiveSettings(
  inspect: (key: SettingKey) => Inspected | undefined,
  trusted: boolean,
): EffectiveSettings {
  const intendedUse = asString(pickValue(inspect('intendedUse'), trusted));
  const offline = pickValue(inspect('offline'), trusted);
  const inlay = pickValue(inspect('inlayHints.enabled'), trusted);
  const scope = pickValue(inspect('diagnostics.scope'), trusted);
  return {
    intendedUse: INTENDED_USES.includes(intendedUse as IntendedUse)
      ? (intendedUse as IntendedUse)
      : undefined,
    // An untrusted workspace always runs on the built-in data.
    offline: trusted ? offline === true : true,
    apiUrl: asString(pickValue(inspect('apiUrl'), trusted)),
    inlayHintsEnabled: inlay !== false,
    diagnosticsScope: DIAGNOSTICS_SCOPES.includes(scope as DiagnosticsScope)
      ? (scope as DiagnosticsScope)
      : 'openFiles',
    serverPath: asString(pickValue(inspect('server.path'), trusted)),
  };
}

export interface ServerSettings {
  intendedUse?: IntendedUse;
  offline: boolean;
  apiUrl?: string;
  apiKey?: string;
  cacheDir?: string;
  inlayHints: { enabled: boolean };
  diagnostics: { scope: DiagnosticsScope };
}

export interface Extras {
  apiKey?: string;
  cacheDir?: string;
}

/**
 * The object sent as `initializationOptions` and as `settings.abstrakt` in
 * `workspace/didChangeConfiguration`. Unset values are omitted so the server
 * applies its own defaults. The caller leaves the API key out in an untrusted
 * workspace.
 */
export function toServerSettings(s: EffectiveSettings, extras: Extras = {}): ServerSettings {
  const out: ServerSettings = {
    offline: s.offline,
    inlayHints: { enabled: s.inlayHintsEnabled },
    diagnostics: { scope: s.diagnosticsScope },
  };
  if (s.intendedUse) out.intendedUse = s.intendedUse;
  if (s.apiUrl) out.apiUrl = s.apiUrl;
  if (extras.apiKey) out.apiKey = extras.apiKey;
  if (extras.cacheDir) out.cacheDir = extras.cacheDir;
  return out;
}

/** Payload for `workspace/didChangeConfiguration`. */
export function didChangeConfigurationParams(settings: ServerSettings): {
  settings: { abstrakt: ServerSettings };
} {
  return { settings: { [SECTION]: settings } as { abstrakt: ServerSettings } };
}

/** Describes where license data comes from, for the language status item. */
export function dataSourceLabel(settings: ServerSettings, trusted: boolean): string {
  if (settings.offline) {
    return trusted ? 'built-in data (offline)' : 'built-in data (offline: untrusted workspace)';
  }
  return settings.apiUrl ? `Abstrakt API (${settings.apiUrl})` : 'Abstrakt API';
}

/** True if a configuration change needs a server restart rather than a notification. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects(`${SECTION}.server.path`);
}
