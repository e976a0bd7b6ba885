-- abstrakt-lsp for Neovim 0.11+ (`vim.lsp.config` / `vim.lsp.enable`).
--
--   vim.lsp.enable('abstrakt')
--
-- Override anything with vim.lsp.config('abstrakt', { ... }), e.g.
--   vim.lsp.config('abstrakt', { init_options = { intendedUse = 'personal' } })
--
-- Works on its own too (copied into ~/.config/nvim/lsp/): the shared defaults
-- in lua/abstrakt/config.lua are used when the whole plugin is installed.
local ok, config = pcall(require, 'abstrakt.config')
if not ok then
  config = {
    cmd = function()
      local env = vim.env.ABSTRAKT_LSP_PATH
      return { (env ~= nil and env ~= '') and env or 'abstrakt-lsp' }
    end,
    filetypes = { 'javascript', 'javascriptreact', 'javascript.jsx', 'typescript', 'typescriptreact', 'typescript.tsx', 'python' },
    root_markers = { 'abstrakt.toml', 'package.json', '.git' },
    default_settings = vim.empty_dict(),
  }
end

---@type vim.lsp.Config
return {
  cmd = config.cmd(),
  filetypes = config.filetypes,
  root_markers = config.root_markers,
  init_options = vim.deepcopy(config.default_settings),
  settings = { abstrakt = vim.deepcopy(config.default_settings) },
}
