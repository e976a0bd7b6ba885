import { test } from 'node:test';
import assert from 'node:assert/strict';
import lookup from '../out/serverLookup.js';

const { serverCandidates, findServer, expandPath, parseVersion, whichSync, notFoundMessage } = lookup;

const EXT = '/ext/abstrakt';
const BUNDLED = '/ext/abstrakt/server/abstrakt-lsp';
const ON_PATH = '/usr/local/bin/abstrakt-lsp';

function input({ env = {}, settingPath, files = [], workspaceFolder } = {}) {
  const set = new Set(files);
  return {
    env: { PATH: '/usr/bin:/usr/local/bin', ...env },
    settingPath,
    extensionPath: EXT,
    workspaceFolder,
    platform: 'linux',
    homeDir: '/home/me',
    isFile: (p) => set.has(p),
  };
}

const okProbe = async () => ({ ok: true, version: '1.0.0' });

test('lookup order: env ▸ setting ▸ bundled ▸ PATH', () => {
  const c = serverCandidates(
    input({
      env: { ABSTRAKT_LSP_PATH: '/env/abstrakt-lsp' },
      settingPath: '/setting/abstrakt-lsp',
      files: [BUNDLED, ON_PATH],
    }),
  );
  assert.deepEqual(
    c.map((x) => [x.source, x.path]),
    [
      ['env', '/env/abstrakt-lsp'],
      ['setting', '/setting/abstrakt-lsp'],
      ['bundled', BUNDLED],
      ['path', ON_PATH],
    ],
  );
});

test('env var wins over everything', async () => {
  const r = await findServer(
    input({ env: { ABSTRAKT_LSP_PATH: '/env/abstrakt-lsp' }, settingPath: '/s', files: [BUNDLED, ON_PATH] }),
    okProbe,
  );
  assert.equal(r.server.source, 'env');
  assert.equal(r.server.path, '/env/abstrakt-lsp');
  assert.equal(r.server.version, '1.0.0');
});

test('setting is used when no env var; empty values are ignored', async () => {
  const r = await findServer(
    input({ env: { ABSTRAKT_LSP_PATH: '  ' }, settingPath: '~/bin/abstrakt-lsp', files: [BUNDLED] }),
    okProbe,
  );
  assert.equal(r.server.source, 'setting');
  assert.equal(r.server.path, '/home/me/bin/abstrakt-lsp');
});

test('bundled binary comes before PATH, PATH is last', async () => {
  assert.equal((await findServer(input({ files: [BUNDLED, ON_PATH] }), okProbe)).server.source, 'bundled');
  const r = await findServer(input({ files: [ON_PATH] }), okProbe);
  assert.equal(r.server.source, 'path');
  assert.equal(r.server.path, ON_PATH);
});

test('a candidate failing --version is skipped and reported', async () => {
  const probe = async (p) =>
    p === '/broken/abstrakt-lsp' ? { ok: false, error: 'EACCES' } : { ok: true, version: '2.0.0' };
  const r = await findServer(input({ settingPath: '/broken/abstrakt-lsp', files: [ON_PATH] }), probe);
  assert.equal(r.server.source, 'path');
  assert.deepEqual(
    r.rejected.map((x) => [x.source, x.error]),
    [['setting', 'EACCES']],
  );
});

test('nothing found gives a clear message naming what was tried', async () => {
  const r = await findServer(input({ settingPath: '/nope' }), async () => ({ ok: false, error: 'ENOENT' }));
  assert.equal(r.server, undefined);
  const msg = notFoundMessage(r);
  assert.match(msg, /abstrakt\.server\.path/);
  assert.match(msg, /\/nope/);
  assert.match(msg, /ENOENT/);
  assert.match(notFoundMessage({ rejected: [] }), /could not find/);
});

test('each path is probed once', async () => {
  let calls = 0;
  await findServer(
    input({ env: { ABSTRAKT_LSP_PATH: ON_PATH }, settingPath: ON_PATH, files: [ON_PATH] }),
    async () => {
      calls++;
      return { ok: false, error: 'x' };
    },
  );
  assert.equal(calls, 1);
});

test('expandPath handles ~, ${userHome}, ${workspaceFolder} and relative paths', () => {
  const o = { homeDir: '/home/me', workspaceFolder: '/ws' };
  assert.equal(expandPath('~/x', o), '/home/me/x');
  assert.equal(expandPath('${userHome}/y', o), '/home/me/y');
  assert.equal(expandPath('${workspaceFolder}/bin/s', o), '/ws/bin/s');
  assert.equal(expandPath('./bin/s', o), '/ws/bin/s');
  assert.equal(expandPath('abstrakt-lsp', o), 'abstrakt-lsp');
  assert.equal(expandPath('/abs/p', o), '/abs/p');
});

test('whichSync searches PATH in order', () => {
  const files = new Set(['/b/abstrakt-lsp', '/c/abstrakt-lsp']);
  assert.equal(whichSync('abstrakt-lsp', { PATH: '/a:/b:/c' }, (p) => files.has(p), 'linux'), '/b/abstrakt-lsp');
  assert.equal(whichSync('abstrakt-lsp', { PATH: '' }, (p) => files.has(p), 'linux'), undefined);
});

test('parseVersion reads `abstrakt-lsp <version>`', () => {
  assert.equal(parseVersion('abstrakt-lsp 0.1.0\n'), '0.1.0');
  assert.equal(parseVersion('abstrakt-lsp 1.2.3-beta.1 (abc)'), '1.2.3-beta.1');
  assert.equal(parseVersion('something else'), undefined);
  assert.equal(parseVersion(''), undefined);
});
