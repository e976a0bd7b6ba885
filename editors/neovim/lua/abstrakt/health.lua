-- :checkhealth abstrakt
local M = {}

local h = vim.health or {}
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local error = h.error or h.report_error
local info = h.info or h.report_info
if start == nil then
  -- Neovim 0.7/0.8 without vim.health
  local legacy = require('health')
  start, ok, warn, error, info =
    legacy.report_start, legacy.report_ok, legacy.report_warn, legacy.report_error, legacy.report_info
end

function M.check()
  start('abstrakt-lsp')

  if vim.fn.has('nvim-0.7') == 1 then
    ok('Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. ' is supported')
  else
    error('Neovim 0.7 or newer is required')
  end

  -- The command in use: setup() options, else vim.lsp.config('abstrakt') (0.11+), else the default.
  local opts = package.loaded['abstrakt'] and require('abstrakt').options
  local cmd = opts and opts.cmd
  if cmd == nil and vim.lsp.config ~= nil then
    local ok_cfg, cfg = pcall(function()
      return vim.lsp.config.abstrakt
    end)
    if ok_cfg and cfg ~= nil and type(cfg.cmd) == 'table' then
      cmd = cfg.cmd
    end
  end
  cmd = cmd or require('abstrakt.config').cmd()
  local bin = cmd[1]
  local path = vim.fn.exepath(bin)
  if path == '' then
    error(
      'abstrakt-lsp not found: ' .. bin,
      { 'Install it with `cargo install abstrakt-lsp`, put it on PATH, or set $ABSTRAKT_LSP_PATH / the `cmd` option' }
    )
    return
  end
  ok('abstrakt-lsp found: ' .. path)

  local out = vim.fn.system({ path, '--version' })
  local version = out:match('abstrakt%-lsp%s+(%S+)')
  if vim.v.shell_error == 0 and version ~= nil then
    ok('version: ' .. version)
  else
    error('`' .. path .. ' --version` failed: ' .. vim.trim(out))
  end

  local running = require('abstrakt').clients()
  if #running > 0 then
    ok(#running .. ' abstrakt client(s) running')
  else
    info('no abstrakt client running (open a JavaScript or TypeScript file)')
  end
end

return M
