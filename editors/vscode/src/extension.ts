import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
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

/** The server command that returns the workspace's Markdown licensing report. */
const REPORT_COMMAND = 'abstrakt.report';

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

/**
 * Everything the extension owns while it is active: created by `activate`,
 * disposed by `deactivate` (and by VS Code through `context.subscriptions`).
 */
class AbstraktExtension implements vscode.Disposable {
  /** One log channel for the language client and the extension's own messages;
   * its level follows **Developer: Set Log Level**. */
  readonly output: vscode.LogOutputChannel;
  private readonly status: vscode.LanguageStatusItem;
  private readonly disposables: vscode.Disposable[] = [];
  private client: LanguageClient | undefined;
  private serverPath: string | undefined;
  private serverVersion: string | undefined;
  private starting: Promise<void> | undefined;
  /** The settings last sent to `client`, to skip redundant notifications. */
  private lastSent: { client: LanguageClient; json: string } | undefined;
  private disposed = false;

  constructor(private readonly ctx: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    this.status = vscode.languages.createLanguageStatusItem('abstrakt.status', documentSelector);
    this.status.name = 'Abstrakt';
    this.status.command = { title: 'Show Output', command: 'abstrakt.showOutput' };
    this.disposables.push(
      this.output,
      this.status,
      vscode.commands.registerCommand('abstrakt.restartServer', () => this.restart()),
      vscode.commands.registerCommand('abstrakt.showOutput', () => this.output.show(true)),
      vscode.commands.registerCommand('abstrakt.setApiKey', () => this.setApiKey()),
      vscode.commands.registerCommand('abstrakt.showLicensingReport', () => this.showLicensingReport()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) {
          return;
        }
        if (needsRestart((s) => e.affectsConfiguration(s))) {
          void this.restart();
        } else {
          void this.pushSettings();
        }
      }),
      ctx.secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET) {
          void this.pushSettings();
        }
      }),
      // Granting trust switches from offline/user-settings-only to the full settings.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart()),
    );
  }

  private async serverSettings(): Promise<ServerSettings> {
    const apiKey = vscode.workspace.isTrusted ? await this.ctx.secrets.get(API_KEY_SECRET) : undefined;
    const cacheDir = path.join(this.ctx.globalStorageUri.fsPath, 'cache');
    return toServerSettings(currentSettings(), { apiKey, cacheDir });
  }

  private setStatus(
    text: string,
    detail: string,
    severity: vscode.LanguageStatusSeverity = vscode.LanguageStatusSeverity.Information,
    busy = false,
  ) {
    if (this.disposed) {
      return;
    }
    this.status.text = text;
    this.status.detail = detail;
    this.status.severity = severity;
    this.status.busy = busy;
  }

  private async updateStatus(): Promise<void> {
    const settings = await this.serverSettings();
    const source = dataSourceLabel(settings, vscode.workspace.isTrusted);
    const client = this.client;
    if (!client) {
      this.setStatus('$(error) Abstrakt: stopped', source, vscode.LanguageStatusSeverity.Error);
      return;
    }
    switch (client.state) {
      case State.Running:
        this.setStatus(
          `$(law) Abstrakt: ${settings.offline ? 'built-in data' : 'API'}`,
          `abstrakt-lsp ${this.serverVersion ?? ''} running · ${source}`,
        );
        break;
      case State.Starting:
        this.setStatus('Abstrakt: starting', source, vscode.LanguageStatusSeverity.Information, true);
        break;
      default:
        this.setStatus('$(error) Abstrakt: stopped', source, vscode.LanguageStatusSeverity.Error);
    }
  }

  private async locateServer(): Promise<LookupResult> {
    const settings = currentSettings();
    this.output.info(
      `Looking for abstrakt-lsp (ABSTRAKT_LSP_PATH: ${process.env.ABSTRAKT_LSP_PATH || 'unset'}, ` +
        `abstrakt.server.path: ${settings.serverPath || 'unset'}, then the bundled server, then PATH)`,
    );
    return findServer(
      {
        env: process.env,
        settingPath: settings.serverPath,
        extensionPath: this.ctx.extensionPath,
        workspaceFolder: vscode.workspace.isTrusted ? firstWorkspaceFolder() : undefined,
        isFile,
      },
      probe,
    );
  }

  private async startClient(): Promise<void> {
    const lookup = await this.locateServer();
    for (const r of lookup.rejected) {
      this.output.warn(`Skipping ${r.path} (${describeSource(r.source)}): ${r.error}`);
    }
    if (!lookup.server) {
      this.serverPath = undefined;
      this.client = undefined;
      const message = notFoundMessage(lookup);
      this.output.error(message);
      this.setStatus('$(error) Abstrakt: server not found', message, vscode.LanguageStatusSeverity.Error);
      void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'abstrakt.server.path');
        } else if (choice === 'Show Output') {
          this.output.show(true);
        }
      });
      return;
    }
    if (lookup.rejected.some((r) => r.source === 'env' || r.source === 'setting')) {
      void vscode.window.showWarningMessage(
        `Abstrakt: the configured server could not be used; using ${lookup.server.path} instead. See the output for details.`,
      );
    }
    this.serverPath = lookup.server.path;
    this.serverVersion = lookup.server.version;
    this.output.info(
      `Using abstrakt-lsp ${this.serverVersion} at ${this.serverPath} (${describeSource(lookup.server.source)})` +
        (vscode.workspace.isTrusted ? '' : ' — untrusted workspace: offline, workspace settings ignored'),
    );

    const serverOptions: ServerOptions = {
      command: this.serverPath,
      transport: TransportKind.stdio,
      options: { env: { ...process.env } },
    };
    const initializationOptions = await this.serverSettings();
    const clientOptions: LanguageClientOptions = {
      documentSelector,
      // The client's own messages, the server's window/logMessage and the
      // abstrakt.trace.server trace all go to the one log channel.
      outputChannel: this.output,
      initializationOptions,
      middleware: {
        workspace: {
          // Pull-model configuration: answer `abstrakt` with the trust-filtered settings.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) {
              return result;
            }
            const settings = await this.serverSettings();
            return Promise.all(
              params.items.map(async (item, i) => (item.section === SECTION ? settings : result[i])),
            );
          },
        },
      },
    };
    const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = c;
    this.lastSent = { client: c, json: JSON.stringify(didChangeConfigurationParams(initializationOptions)) };
    c.onDidChangeState(() => void this.updateStatus());
    await this.updateStatus();
    try {
      await c.start();
    } catch (e) {
      this.output.error(`Failed to start abstrakt-lsp: ${String(e)}`);
      void vscode.window.showErrorMessage(`Abstrakt: failed to start the server: ${String(e)}`);
    }
    await this.updateStatus();
  }

  private async stopClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(5_000);
      } catch (e) {
        this.output.error(`Error while stopping the server: ${String(e)}`);
      }
    }
  }

  restart(): Promise<void> {
    const run = async () => {
      if (this.starting) {
        await this.starting.catch(() => undefined);
      }
      await this.stopClient();
      if (!this.disposed) {
        await this.startClient();
      }
    };
    this.starting = run();
    return this.starting;
  }

  /** Sends the settings to the running server (workspace/didChangeConfiguration) if they changed. */
  private async pushSettings(): Promise<void> {
    await this.updateStatus();
    const c = this.client;
    if (!c || c.state !== State.Running) {
      return;
    }
    const params = didChangeConfigurationParams(await this.serverSettings());
    const json = JSON.stringify(params);
    if (this.lastSent && this.lastSent.client === c && this.lastSent.json === json) {
      return;
    }
    this.lastSent = { client: c, json };
    await c.sendNotification(DidChangeConfigurationNotification.type, params);
  }

  private async setApiKey(): Promise<void> {
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
      await this.ctx.secrets.delete(API_KEY_SECRET);
      this.output.info('API key removed');
      void vscode.window.showInformationMessage('Abstrakt: API key removed.');
    } else {
      await this.ctx.secrets.store(API_KEY_SECRET, value.trim());
      this.output.info('API key saved');
      void vscode.window.showInformationMessage('Abstrakt: API key saved.');
    }
    // secrets.onDidChange also fires; pushing here makes it immediate.
    await this.pushSettings();
  }

  /**
   * The report comes from the running server (`abstrakt.report`), so it uses
   * the editor's settings (intended use, offline, API) and the same analysis
   * as the diagnostics.
   */
  private async showLicensingReport(): Promise<void> {
    const folder = firstWorkspaceFolder();
    if (!folder) {
      void vscode.window.showErrorMessage('Abstrakt: open a folder to create a licensing report.');
      return;
    }
    const client = this.client;
    if (!client || client.state !== State.Running) {
      void vscode.window.showErrorMessage('Abstrakt: the language server is not running; see the Abstrakt output.');
      return;
    }
    let markdown: unknown;
    try {
      markdown = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Abstrakt: creating licensing report…' },
        () =>
          client.sendRequest(ExecuteCommandRequest.type, {
            command: REPORT_COMMAND,
            arguments: [vscode.Uri.file(folder).toString()],
          }),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.error(`Report failed: ${message}`);
      void vscode.window.showErrorMessage(`Abstrakt: could not create the licensing report: ${message}`);
      return;
    }
    if (typeof markdown !== 'string') {
      this.output.error('Report failed: the server returned no report');
      void vscode.window.showErrorMessage('Abstrakt: could not create the licensing report: the server returned no report');
      return;
    }
    // A named file (not an untitled buffer): the tab reads "abstrakt-licensing-report.md"
    // and the report can be saved or shared as is.
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abstrakt-report-'));
    const outFile = path.join(tmpDir, 'abstrakt-licensing-report.md');
    fs.writeFileSync(outFile, markdown);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(outFile));
    await vscode.window.showTextDocument(doc, { preview: false });
    await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Stops the server, then releases the commands, listeners, status item and channel. */
  async stop(): Promise<void> {
    this.disposed = true;
    await this.starting?.catch(() => undefined);
    await this.stopClient();
    this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.disposables.splice(0).reverse()) {
      d.dispose();
    }
  }
}

let extension: AbstraktExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const ext = new AbstraktExtension(context);
  extension = ext;
  context.subscriptions.push(ext);
  await ext.restart();
}

export async function deactivate(): Promise<void> {
  const ext = extension;
  extension = undefined;
  await ext?.stop();
}
