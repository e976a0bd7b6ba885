// Builds the extension and packages it into a .vsix.
//
// If a release build of the server exists at ../../target/release/abstrakt-lsp
// (or ABSTRAKT_LSP_BUNDLE points at a binary), it is copied to
// server/abstrakt-lsp and a platform-specific package is made
// (`vsce package --target <platform>`); otherwise a universal package without
// a bundled server is made (the server is then looked up on PATH or through
// the settings). ABSTRAKT_VSCE_TARGET overrides the target (packaging/build.sh
// sets it when it packages a binary built for another platform).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const exe = process.platform === 'win32' ? 'abstrakt-lsp.exe' : 'abstrakt-lsp';
const source = process.env.ABSTRAKT_LSP_BUNDLE || path.resolve(root, '..', '..', 'target', 'release', exe);
const serverDir = path.join(root, 'server');

function vsceTarget() {
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'armhf' : null;
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform];
  if (!arch || !platform) {
    throw new Error(`unsupported platform ${process.platform}-${process.arch}`);
  }
  return `${platform}-${arch}`;
}

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  // On Windows, node_modules/.bin/vsce is a .cmd script, which needs a shell.
  execFileSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
}

fs.rmSync(serverDir, { recursive: true, force: true });
const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
const common = ['package', '--no-dependencies', '--allow-missing-repository'];

let out;
if (fs.existsSync(source)) {
  const target = process.env.ABSTRAKT_VSCE_TARGET || vsceTarget();
  let version = `a binary for ${target}`;
  // Check the binary before bundling it (when it runs here).
  if (target === vsceTarget()) {
    version = execFileSync(source, ['--version'], { encoding: 'utf8' }).trim();
    if (version !== `abstrakt-lsp ${pkg.version}`) {
      throw new Error(`${source} --version printed ${JSON.stringify(version)}, expected "abstrakt-lsp ${pkg.version}"`);
    }
  }
  const bundled = target.startsWith('win32-') ? 'abstrakt-lsp.exe' : 'abstrakt-lsp';
  fs.mkdirSync(serverDir, { recursive: true });
  fs.copyFileSync(source, path.join(serverDir, bundled));
  fs.chmodSync(path.join(serverDir, bundled), 0o755);
  out = `${pkg.name}-${target}-${pkg.version}.vsix`;
  console.log(`Bundling ${version} from ${source} (target ${target})`);
  run(vsce, [...common, '--target', target, '-o', out]);
} else {
  out = `${pkg.name}-${pkg.version}.vsix`;
  console.log(`No server at ${source}: packaging without a bundled server`);
  run(vsce, [...common, '-o', out]);
}
console.log(`Packaged ${path.join(root, out)}`);
