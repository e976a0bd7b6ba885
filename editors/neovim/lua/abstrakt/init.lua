-- abstrakt-lsp client for Neovim.
--
-- Neovim 0.11+: `vim.lsp.enable('abstrakt')` uses lsp/abstrakt.lua; setup() does
-- that for you. Older versions (0.7–0.10): setup() starts the server from a
-- FileType autocommand with vim.lsp.start (0.8+) or vim.lsp.start_client +
-- vim.lsp.buf_attach_client (0.7).
--
--   require('abstrakt').setup({
--     cmd = { '/path/to/abstrakt-lsp' },          -- default: $ABSTRAKT_LSP_PATH or abstrakt-lsp
--     settings = { intendedUse = 'commercial', offline = false },
--   })
local config = require('abstrakt.config')

local M = {}

local uv = vim.uv or vim.loop

M.options = nil

-- What update_settings() was given before setup() (if ever) was called.
local updated = nil

local function defaults()
  return {
    cmd = config.cmd(),
    filetypes = config.filetypes,
    root_markers = config.root_markers,
    settings = vim.deepcopy(updated or config.default_settings),
    -- Use vim.lsp.config/vim.lsp.enable where available (Neovim 0.11+).
    native = true,
    on_attach = nil,
    capabilities = nil,
  }
end

local function is_dir(p)
  local st = uv.fs_stat(p)
  return st ~= nil and st.type == 'directory'
end

local function exists(p)
  return uv.fs_stat(p) ~= nil
end

local function dirname(p)
  local d = p:match('^(.*)/[^/]*$')
  if d == nil or d == '' then
    return '/'
  end
  return d
end

--- Nearest ancestor of `path` holding one of the root markers, in marker priority
--- order; falls back to the file's directory.
function M.find_root(path, markers)
  markers = markers or config.root_markers
  local start = path
  if start == '' then
    start = uv.cwd()
  elseif not is_dir(start) then
    start = dirname(start)
  end
  for _, marker in ipairs(markers) do
    local dir = start
    while true do
      if exists(dir .. '/' .. marker) then
        return dir
      end
      local parent = dirname(dir)
      if parent == dir then
        break
      end
      dir = parent
    end
  end
  return start
end

local clients = {} -- root_dir -> client id (Neovim < 0.8 only)

local function client_config(opts, root)
  return {
    name = 'abstrakt',
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = config.as_object(opts.settings),
    settings = { abstrakt = config.as_object(opts.settings) },
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
end

--- Starts (or reuses) the client for buffer `bufnr`.
function M.start(bufnr)
  local opts = M.options or defaults()
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = M.find_root(name, opts.root_markers)
  if vim.lsp.start then
    return vim.lsp.start(client_config(opts, root), { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(client_config(opts, root))
    if id == nil then
      vim.notify('abstrakt: could not start ' .. table.concat(opts.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.setup(user_opts)
  local opts = vim.tbl_deep_extend('force', defaults(), user_opts or {})
  M.options = opts

  if opts.native and vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    vim.lsp.config('abstrakt', {
      cmd = opts.cmd,
      filetypes = opts.filetypes,
      root_markers = opts.root_markers,
      init_options = config.as_object(opts.settings),
      settings = { abstrakt = config.as_object(opts.settings) },
      on_attach = opts.on_attach,
      capabilities = opts.capabilities,
    })
    vim.lsp.enable('abstrakt')
    return
  end

  local group = vim.api.nvim_create_augroup('abstrakt_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = opts.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(opts.filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

--- The running abstrakt clients (works on Neovim 0.7+).
function M.clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local out = {}
  for _, client in ipairs(all) do
    if client.name == 'abstrakt' then
      table.insert(out, client)
    end
  end
  return out
end

--- Merges `settings` into the current ones and applies them everywhere:
--- running clients get workspace/didChangeConfiguration, and clients started
--- later get them as init_options/settings (setup() options, and on 0.11+ the
--- vim.lsp.config('abstrakt') defaults used by vim.lsp.enable).
function M.update_settings(settings)
  settings = settings or {}
  updated = config.as_object(vim.tbl_deep_extend('force', updated or {}, settings))
  if M.options then
    M.options.settings = config.as_object(vim.tbl_deep_extend('force', M.options.settings or {}, settings))
  end
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    local current = vim.lsp.config.abstrakt or {}
    local merged = config.as_object(vim.tbl_deep_extend('force', current.init_options or {}, settings))
    vim.lsp.config('abstrakt', { init_options = merged, settings = { abstrakt = merged } })
  end
  for _, client in ipairs(M.clients()) do
    local current = (client.config.settings or {}).abstrakt or {}
    local merged = config.as_object(vim.tbl_deep_extend('force', current, settings))
    local new_settings = vim.tbl_extend('force', client.config.settings or {}, { abstrakt = merged })
    client.config.settings = new_settings
    local params = { settings = new_settings }
    if vim.fn.has('nvim-0.11') == 1 then
      -- 0.11 keeps the settings it answers workspace/configuration with here.
      client.settings = new_settings
      client:notify('workspace/didChangeConfiguration', params)
    else
      client.notify('workspace/didChangeConfiguration', params)
    end
  end
end

return M
