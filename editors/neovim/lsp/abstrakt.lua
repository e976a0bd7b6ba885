-- abstrakt-lsp for Neovim 0.11+ (`vim.lsp.config` / `vim.lsp.enable`).
--
--   vim.lsp.enable('abstrakt')
--
-- Override anything with vim.lsp.config('abstrakt', { ... }), e.g.
--   vim.lsp.config('abstrakt', { init_options = { intendedUse = 'personal' } })
local config = require('abstrakt.config')

---@type vim.lsp.Config
return {
  cmd = config.cmd(),
  filetypes = config.filetypes,
  root_markers = config.root_markers,
  init_options = vim.deepcopy(config.default_settings),
  settings = { abstrakt = vim.deepcopy(config.default_settings) },
}
