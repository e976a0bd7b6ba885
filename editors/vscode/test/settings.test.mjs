import { test } from 'node:test';
import assert from 'node:assert/strict';
import settings from '../out/settings.js';

const { pickValue, effectiveSettings, toServerSettings, didChangeConfigurationParams, dataSourceLabel, needsRestart } =
  settings;

const DEFAULTS = {
  intendedUse: { defaultValue: 'commercial' },
  offline: { defaultValue: false },
  apiUrl: { defaultValue: '' },
  'inlayHints.enabled': { defaultValue: true },
  'diagnostics.scope': { defaultValue: 'openFiles' },
  'server.path': { defaultValue: '' },
};

function inspector(overrides = {}) {
  return (key) => ({ ...DEFAULTS[key], ...(overrides[key] ?? {}) });
}

test('pickValue: folder > workspace > user > default when trusted', () => {
  const all = { defaultValue: 1, globalValue: 2, workspaceValue: 3, workspaceFolderValue: 4 };
  assert.equal(pickValue(all, true), 4);
  assert.equal(pickValue({ ...all, workspaceFolderValue: undefined }, true), 3);
  assert.equal(pickValue({ defaultValue: 1, globalValue: 2 }, true), 2);
  assert.equal(pickValue({ defaultValue: 1 }, true), 1);
  assert.equal(pickValue(undefined, true), undefined);
});

test('pickValue: workspace-level values are ignored when untrusted', () => {
  const all = { defaultValue: 1, globalValue: 2, workspaceValue: 3, workspaceFolderValue: 4 };
  assert.equal(pickValue(all, false), 2);
  assert.equal(pickValue({ defaultValue: 1, workspaceValue: 3 }, false), 1);
});

test('defaults map to initializationOptions', () => {
  const s = effectiveSettings(inspector(), true);
  assert.deepEqual(toServerSettings(s, { cacheDir: '/cache' }), {
    intendedUse: 'commercial',
    offline: false,
    inlayHints: { enabled: true },
    diagnostics: { scope: 'openFiles' },
    cacheDir: '/cache',
  });
});

test('all settings and the API key map to the server keys', () => {
  const s = effectiveSettings(
    inspector({
      intendedUse: { globalValue: 'research' },
      apiUrl: { globalValue: ' https://api.example.test/v1 ' },
      'inlayHints.enabled': { workspaceValue: false },
      'diagnostics.scope': { workspaceValue: 'workspace' },
      'server.path': { globalValue: '/opt/abstrakt-lsp' },
    }),
    true,
  );
  assert.equal(s.serverPath, '/opt/abstrakt-lsp');
  assert.deepEqual(toServerSettings(s, { apiKey: 'sk-123', cacheDir: '/c' }), {
    intendedUse: 'research',
    offline: false,
    apiUrl: 'https://api.example.test/v1',
    apiKey: 'sk-123',
    cacheDir: '/c',
    inlayHints: { enabled: false },
    diagnostics: { scope: 'workspace' },
  });
});

test('offline: the API key is still passed, the server decides', () => {
  const s = effectiveSettings(inspector({ offline: { globalValue: true } }), true);
  const out = toServerSettings(s, { apiKey: 'sk-123' });
  assert.equal(out.offline, true);
  assert.equal(out.apiKey, 'sk-123');
  assert.equal(toServerSettings(s, {}).apiKey, undefined);
});

test('untrusted workspace: forced offline, workspace settings ignored', () => {
  const s = effectiveSettings(
    inspector({
      intendedUse: { globalValue: 'personal', workspaceValue: 'research' },
      offline: { workspaceValue: false },
      apiUrl: { workspaceValue: 'https://evil.test' },
      'server.path': { workspaceValue: './evil', workspaceFolderValue: './evil2' },
    }),
    false,
  );
  assert.equal(s.offline, true);
  assert.equal(s.intendedUse, 'personal');
  assert.equal(s.apiUrl, undefined);
  assert.equal(s.serverPath, undefined);
  // extension.ts reads no API key from secret storage when untrusted.
  const out = toServerSettings(s, {});
  assert.equal(out.apiKey, undefined);
  assert.match(dataSourceLabel(out, false), /untrusted/);
});

test('invalid intendedUse is dropped so the server default applies', () => {
  const s = effectiveSettings(inspector({ intendedUse: { globalValue: 'bogus' } }), true);
  assert.equal(toServerSettings(s).intendedUse, undefined);
});

test('diagnostics.scope: only the values the server knows; untrusted ignores the workspace value', () => {
  const bogus = effectiveSettings(inspector({ 'diagnostics.scope': { globalValue: 'everything' } }), true);
  assert.deepEqual(toServerSettings(bogus).diagnostics, { scope: 'openFiles' });
  const fromRepo = effectiveSettings(inspector({ 'diagnostics.scope': { workspaceValue: 'workspace' } }), false);
  assert.deepEqual(toServerSettings(fromRepo).diagnostics, { scope: 'openFiles' });
  const user = effectiveSettings(inspector({ 'diagnostics.scope': { globalValue: 'workspace' } }), false);
  assert.deepEqual(toServerSettings(user).diagnostics, { scope: 'workspace' });
});

test('didChangeConfiguration payload nests under settings.abstrakt', () => {
  const p = didChangeConfigurationParams({ offline: true, inlayHints: { enabled: true } });
  assert.deepEqual(p, { settings: { abstrakt: { offline: true, inlayHints: { enabled: true } } } });
});

test('data source label', () => {
  assert.equal(dataSourceLabel({ offline: true, inlayHints: { enabled: true } }, true), 'built-in data (offline)');
  assert.equal(dataSourceLabel({ offline: false, inlayHints: { enabled: true } }, true), 'Abstrakt API');
  assert.match(dataSourceLabel({ offline: false, apiUrl: 'https://x', inlayHints: { enabled: true } }, true), /https:\/\/x/);
});

test('only a server.path change needs a restart', () => {
  assert.equal(needsRestart((s) => s === 'abstrakt.server.path'), true);
  assert.equal(needsRestart((s) => s === 'abstrakt.offline'), false);
});
