import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  describeSource,
  findServer,
  LookupResult,
  notFoundMessage,
  parseVersion,
  ProbeResult,
} from './serverLookup';
import {
  dataSourceLabel,
  didChangeConfigurationParams,
  effectiveSettings,
  needsRestart,
  SECTION,
  ServerSettings,
  SettingKey,
  toServerSettings,
} from './settings';

const CLIENT_ID = 'abstrakt';
const CLIENT_NAME = 'Abstrakt';
const API_KEY_SECRET = 'abstrakt.apiKey';
const LANGUAGES = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'python'];
const SCHEMES = ['file', 'untitled'];

export const documentSelector = LANGUAGES.flatMap((language) =>
  SCHEMES.map((scheme) => ({ scheme, language })),
);

let ctx: vscode.ExtensionContext;
let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.LanguageStatusItem;
let serverPath: string | undefined;
let serverVersion: string | undefined;
let starting: Promise<void> | undefined;

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function probe(p: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(p, ['--version'], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) {
        resolve({ ok: false, error: (stderr || err.message).toString().trim() });
        return;
      }
      const version = parseVersion(stdout.toString());
      resolve(
        version
          ? { ok: true, version }
          : { ok: false, error: `unexpected --version output: ${stdout.toString().trim()}` },
      );
    });
  });
}

function firstWorkspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function currentSettings() {
  const config = vscode.workspace.getConfiguration(SECTION);
  return effectiveSettings((key: SettingKey) => config.inspect(key), vscode.workspace.isTrusted);
}

async function serverSettings(): Promise<ServerSettings> {
  const apiKey = vscode.workspace.isTrusted ? await ctx.secrets.get(API_KEY_SECRET) : undefined;
  const cacheDir = path.join(ctx.globalStorageUri.fsPath, 'cache');
  return toServerSettings(currentSettings(), { apiKey, cacheDir });
}

function setStatus(
  text: string,
  detail: string,
  severity: vscode.LanguageStatusSeverity = vscode.LanguageStatusSeverity.Information,
  busy = false,
) {
  status.text = text;
  status.detail = detail;
  status.severity = severity;
  status.busy = busy;
}

async function updateStatus(): Promise<void> {
  const settings = await serverSettings();
  const source = dataSourceLabel(settings, vscode.workspace.isTrusted);
  if (!client) {
    setStatus('$(error) Abstrakt: stopped', source, vscode.LanguageStatusSeverity.Error);
    return;
  }
  switch (client.state) {
    case State.Running:
      setStatus(
        `$(law) Abstrakt: ${settings.offline ? 'built-in data' : 'API'}`,
        `abstrakt-lsp ${serverVersion ?? ''} running · ${source}`,
      );
      break;
    case State.Starting:
      setStatus('Abstrakt: starting', source, vscode.LanguageStatusSeverity.Information, true);
      break;
    default:
      setStatus('$(error) Abstrakt: stopped', source, vscode.LanguageStatusSeverity.Error);
  }
}

async function locateServer(): Promise<LookupResult> {
  const settings = currentSettings();
  output.appendLine(
    `Looking for abstrakt-lsp (ABSTRAKT_LSP_PATH: ${process.env.ABSTRAKT_LSP_PATH || 'unset'}, ` +
      `abstrakt.server.path: ${settings.serverPath || 'unset'}, then the bundled server, then PATH)`,
  );
  return findServer(
    {
      env: process.env,
      settingPath: settings.serverPath,
      extensionPath: ctx.extensionPath,
      workspaceFolder: vscode.workspace.isTrusted ? firstWorkspaceFolder() : undefined,
      isFile,
    },
    probe,
  );
}

async function startClient(): Promise<void> {
  const lookup = await locateServer();
  for (const r of lookup.rejected) {
    output.appendLine(`Skipping ${r.path} (${describeSource(r.source)}): ${r.error}`);
  }
  if (!lookup.server) {
    serverPath = undefined;
    client = undefined;
    const message = notFoundMessage(lookup);
    output.appendLine(message);
    setStatus('$(error) Abstrakt: server not found', message, vscode.LanguageStatusSeverity.Error);
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'abstrakt.server.path');
      } else if (choice === 'Show Output') {
        output.show(true);
      }
    });
    return;
  }
  if (lookup.rejected.some((r) => r.source === 'env' || r.source === 'setting')) {
    void vscode.window.showWarningMessage(
      `Abstrakt: the configured server could not be used; using ${lookup.server.path} instead. See the output for details.`,
    );
  }
  serverPath = lookup.server.path;
  serverVersion = lookup.server.version;
  output.appendLine(
    `Using abstrakt-lsp ${serverVersion} at ${serverPath} (${describeSource(lookup.server.source)})` +
      (vscode.workspace.isTrusted ? '' : ' — untrusted workspace: offline, workspace settings ignored'),
  );

  const serverOptions: ServerOptions = {
    command: serverPath,
    transport: TransportKind.stdio,
    options: { env: { ...process.env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    initializationOptions: await serverSettings(),
    middleware: {
      workspace: {
        // Pull-model configuration: answer `abstrakt` with the trust-filtered settings.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          const settings = await serverSettings();
          return Promise.all(
            params.items.map(async (item, i) =>
              item.section === SECTION ? settings : result[i],
            ),
          );
        },
      },
    },
  };
  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = c;
  lastSent = { client: c, json: JSON.stringify(didChangeConfigurationParams(clientOptions.initializationOptions)) };
  c.onDidChangeState(() => void updateStatus());
  await updateStatus();
  try {
    await c.start();
  } catch (e) {
    output.appendLine(`Failed to start abstrakt-lsp: ${String(e)}`);
    void vscode.window.showErrorMessage(`Abstrakt: failed to start the server: ${String(e)}`);
  }
  await updateStatus();
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5_000);
    } catch (e) {
      output.appendLine(`Error while stopping the server: ${String(e)}`);
    }
  }
}

function restart(): Promise<void> {
  const run = async () => {
    if (starting) {
      await starting.catch(() => undefined);
    }
    await stopClient();
    await startClient();
  };
  starting = run();
  return starting;
}

let lastSent: { client: LanguageClient; json: string } | undefined;

/** Sends the settings to the running server (workspace/didChangeConfiguration) if they changed. */
async function pushSettings(): Promise<void> {
  await updateStatus();
  const c = client;
  if (!c || c.state !== State.Running) {
    return;
  }
  const params = didChangeConfigurationParams(await serverSettings());
  const json = JSON.stringify(params);
  if (lastSent && lastSent.client === c && lastSent.json === json) {
    return;
  }
  lastSent = { client: c, json };
  await c.sendNotification(DidChangeConfigurationNotification.type, params);
}

async function setApiKey(): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Abstrakt: Set API Key',
    prompt: 'API key for the Abstrakt API (stored in VS Code secret storage). Leave empty to remove it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (value === undefined) {
    return;
  }
  if (value.trim() === '') {
    await ctx.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage('Abstrakt: API key removed.');
  } else {
    await ctx.secrets.store(API_KEY_SECRET, value.trim());
    void vscode.window.showInformationMessage('Abstrakt: API key saved.');
  }
  // secrets.onDidChange also fires; pushing here makes it immediate.
  await pushSettings();
}

async function showLicensingReport(): Promise<void> {
  const folder = firstWorkspaceFolder();
  if (!folder) {
    void vscode.window.showErrorMessage('Abstrakt: open a folder to create a licensing report.');
    return;
  }
  if (!serverPath) {
    const lookup = await locateServer();
    serverPath = lookup.server?.path;
    if (!serverPath) {
      void vscode.window.showErrorMessage(notFoundMessage(lookup));
      return;
    }
  }
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abstrakt-report-'));
  const outFile = path.join(tmpDir, 'abstrakt-licensing-report.md');
  const args = ['report', folder, '--format', 'markdown', '--output', outFile];
  output.appendLine(`Running ${serverPath} ${args.join(' ')}`);
  const exe = serverPath;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Abstrakt: creating licensing report…' },
    () =>
      new Promise<{ ok: boolean; message: string }>((resolve) => {
        execFile(exe, args, { timeout: 120_000, cwd: folder }, (err, stdout, stderr) => {
          if (err) {
            const text = (stderr.toString().trim() || stdout.toString().trim() || err.message)
              .split(/\r?\n/)
              .slice(0, 5)
              .join(' ');
            resolve({ ok: false, message: text });
          } else {
            resolve({ ok: true, message: '' });
          }
        });
      }),
  );
  if (!result.ok || !isFile(outFile)) {
    const message = result.message || 'the server wrote no report';
    output.appendLine(`Report failed: ${message}`);
    void vscode.window.showErrorMessage(`Abstrakt: could not create the licensing report: ${message}`);
    fs.rmSync(tmpDir, { recursive: true, force: true });
    return;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(outFile));
  await vscode.window.showTextDocument(doc, { preview: false });
  await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(
    () => undefined,
    () => undefined,
  );
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = context;
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  status = vscode.languages.createLanguageStatusItem('abstrakt.status', documentSelector);
  status.name = 'Abstrakt';
  status.command = { title: 'Show Output', command: 'abstrakt.showOutput' };
  context.subscriptions.push(output, status);

  context.subscriptions.push(
    vscode.commands.registerCommand('abstrakt.restartServer', () => restart()),
    vscode.commands.registerCommand('abstrakt.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('abstrakt.setApiKey', () => setApiKey()),
    vscode.commands.registerCommand('abstrakt.showLicensingReport', () => showLicensingReport()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) {
        return;
      }
      if (needsRestart((s) => e.affectsConfiguration(s))) {
        void restart();
      } else {
        void pushSettings();
      }
    }),
    context.secrets.onDidChange((e) => {
      if (e.key === API_KEY_SECRET) {
        void pushSettings();
      }
    }),
    // Granting trust switches from offline/user-settings-only to the full settings.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
  );

  await restart();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
