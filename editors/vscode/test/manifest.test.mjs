// Checks the extension manifest against what VS Code and the docs promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const props = pkg.contributes.configuration.properties;

test('runs on VS Code 1.100 (code-server 4.100.3)', () => {
  const m = /^\^(\d+)\.(\d+)\.\d+$/.exec(pkg.engines.vscode);
  assert.ok(m, pkg.engines.vscode);
  assert.ok(Number(m[1]) === 1 && Number(m[2]) <= 100, pkg.engines.vscode);
  // vsce refuses @types/vscode newer than engines.vscode.
  const types = pkg.devDependencies['@types/vscode'].replace(/^[\^~]/, '').split('.').map(Number);
  assert.ok(types[0] === 1 && types[1] <= Number(m[2]));
});

test('activates on JS/TS and abstrakt.toml', () => {
  for (const lang of ['javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'python']) {
    assert.ok(pkg.activationEvents.includes(`onLanguage:${lang}`), lang);
  }
  assert.ok(pkg.activationEvents.some((e) => e.startsWith('workspaceContains:') && e.includes('abstrakt.toml')));
});

test('settings have markdown descriptions and the documented scopes', () => {
  for (const key of [
    'abstrakt.intendedUse',
    'abstrakt.offline',
    'abstrakt.apiUrl',
    'abstrakt.server.path',
    'abstrakt.trace.server',
    'abstrakt.inlayHints.enabled',
    'abstrakt.diagnostics.scope',
  ]) {
    assert.ok(props[key], key);
    assert.ok(props[key].markdownDescription, `${key} has a markdownDescription`);
  }
  assert.deepEqual(props['abstrakt.intendedUse'].enum, ['commercial', 'personal', 'research']);
  assert.equal(props['abstrakt.server.path'].scope, 'machine-overridable');
  assert.equal(props['abstrakt.apiUrl'].scope, 'machine');
  assert.deepEqual(props['abstrakt.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.deepEqual(props['abstrakt.diagnostics.scope'].enum, ['openFiles', 'workspace']);
  assert.equal(props['abstrakt.diagnostics.scope'].default, 'openFiles');
  assert.ok(!Object.keys(props).some((k) => /apikey/i.test(k)), 'the API key is never a setting');
});

test('commands are contributed', () => {
  const titles = pkg.contributes.commands.map((c) => `${c.category}: ${c.title}`);
  for (const t of ['Abstrakt: Restart Server', 'Abstrakt: Show Output', 'Abstrakt: Set API Key', 'Abstrakt: Show Licensing Report']) {
    assert.ok(titles.includes(t), t);
  }
});

test('limited support in untrusted workspaces', () => {
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.ok(u.restrictedConfigurations.includes('abstrakt.server.path'));
  assert.ok(u.restrictedConfigurations.includes('abstrakt.apiUrl'));
});

test('bundled single-file entry point', () => {
  assert.equal(pkg.main, './dist/extension.js');
  assert.ok(pkg.scripts.package);
});

test("the language client id is 'abstrakt' (so abstrakt.trace.server applies)", () => {
  const src = readFileSync(new URL('../src/extension.ts', import.meta.url), 'utf8');
  assert.match(src, /const CLIENT_ID = 'abstrakt';/);
  assert.match(src, /new LanguageClient\(CLIENT_ID,/);
});
