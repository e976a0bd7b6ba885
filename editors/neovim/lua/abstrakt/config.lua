-- Shared defaults for the abstrakt-lsp client configuration.
local M = {}

M.filetypes = {
  'javascript',
  'javascriptreact',
  'javascript.jsx',
  'typescript',
  'typescriptreact',
  'typescript.tsx',
  'python',
}

M.root_markers = { 'abstrakt.toml', 'package.json', '.git' }

--- The server command: $ABSTRAKT_LSP_PATH if set, else `abstrakt-lsp` from PATH.
function M.cmd()
  local env = vim.env.ABSTRAKT_LSP_PATH
  if env ~= nil and env ~= '' then
    return { env }
  end
  return { 'abstrakt-lsp' }
end

--- Settings sent as initializationOptions and as `settings.abstrakt`.
--- Keys: intendedUse ('commercial'|'personal'|'research'), offline (bool),
--- apiUrl, apiKey, cacheDir, inlayHints = { enabled = bool },
--- diagnostics = { scope = 'openFiles'|'workspace' }.
--- Unset keys use the server's defaults.
--- vim.empty_dict(): an empty Lua table would be sent as the JSON list `[]`.
M.default_settings = vim.empty_dict()

--- `settings` as a JSON object: an empty table becomes vim.empty_dict().
function M.as_object(settings)
  if settings == nil or next(settings) == nil then
    return vim.empty_dict()
  end
  return settings
end

return M
