-- Headless Neovim test against the real abstrakt-lsp.
-- Run through test/run.sh, which sets:
--   ABSTRAKT_PLUGIN_DIR  this plugin's folder (added to runtimepath)
--   ABSTRAKT_LSP_BIN     the server binary
--   ABSTRAKT_FIXTURE     the .js file to open
--   ABSTRAKT_MODE        'native' (lsp/abstrakt.lua + vim.lsp.enable, 0.11+) or 'setup' (setup() fallback)
local failures = {}
local function log(msg)
  io.stdout:write(msg .. '\n')
end
local function check(cond, what)
  if cond then
    log('  ok   ' .. what)
  else
    log('  FAIL ' .. what)
    table.insert(failures, what)
  end
  return cond
end
-- Everything shown to the user at warning/error level: the server's
-- window/showMessage and any vim.notify (deprecations, plugin errors).
local shown = {}
local function watch_messages()
  local show = vim.lsp.handlers['window/showMessage']
  vim.lsp.handlers['window/showMessage'] = function(err, result, ctx, cfg)
    if result and result.type and result.type <= 2 then
      table.insert(shown, 'showMessage: ' .. tostring(result.message))
    end
    return show(err, result, ctx, cfg)
  end
  local notify = vim.notify
  vim.notify = function(msg, level, opts)
    if level and level >= vim.log.levels.WARN then
      table.insert(shown, 'notify: ' .. tostring(msg))
    end
    return notify(msg, level, opts)
  end
end

local function finish()
  if #failures > 0 then
    log(string.format('neovim %s: %d check(s) failed', ABSTRAKT_NVIM_VERSION or '?', #failures))
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function run()
  local v = vim.version()
  ABSTRAKT_NVIM_VERSION = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  local mode = os.getenv('ABSTRAKT_MODE') or 'setup'
  local bin = assert(os.getenv('ABSTRAKT_LSP_BIN'), 'ABSTRAKT_LSP_BIN not set')
  local fixture = assert(os.getenv('ABSTRAKT_FIXTURE'), 'ABSTRAKT_FIXTURE not set')
  log(string.format('Neovim %s, mode %s, server %s', ABSTRAKT_NVIM_VERSION, mode, bin))

  vim.opt.runtimepath:prepend(os.getenv('ABSTRAKT_PLUGIN_DIR'))
  vim.cmd('filetype on')
  watch_messages()

  -- The default set-up: no settings at all (only the binary's path).
  if mode == 'native' then
    -- Exactly what a 0.11 user does: lsp/abstrakt.lua is found on runtimepath.
    vim.lsp.config('abstrakt', { cmd = { bin } })
    vim.lsp.enable('abstrakt')
  else
    require('abstrakt').setup({ cmd = { bin }, native = false })
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(fixture))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'javascript', 'fixture has filetype javascript')

  -- Find the 'flux-dev' literal (0-based line / byte column of the opening quote).
  local lnum, col
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local s = line:find("'flux-dev'", 1, true)
    if s then
      lnum, col = i - 1, s - 1
      break
    end
  end
  assert(lnum, "fixture has no 'flux-dev'")

  -- The client attaches.
  local client
  local attached = vim.wait(15000, function()
    for _, c in ipairs(require('abstrakt').clients()) do
      if c.initialized ~= false and (vim.lsp.buf_is_attached == nil or vim.lsp.buf_is_attached(bufnr, c.id)) then
        client = c
        return true
      end
    end
    return false
  end, 50)
  if not check(attached, 'abstrakt client attached to the buffer') then
    return
  end
  check(client.config.root_dir ~= nil and vim.fn.filereadable(client.config.root_dir .. '/package.json') == 1,
    'root_dir is the fixture workspace (' .. tostring(client.config.root_dir) .. ')')
  check(vim.fn.json_encode(client.config.init_options) == '{}',
    'empty settings are sent as a JSON object: ' .. vim.fn.json_encode(client.config.init_options))
  if vim.fn.has('nvim-0.11') == 1 then
    check(client.offset_encoding == 'utf-8', 'position encoding negotiated: ' .. tostring(client.offset_encoding))
  end

  -- Diagnostic on 'flux-dev'.
  local diag
  local got = vim.wait(30000, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.lnum == lnum and d.message:find('flux-dev', 1, true) then
        diag = d
        return true
      end
    end
    return false
  end, 50)
  if check(got, "diagnostic published for 'flux-dev'") then
    local code = diag.code or (diag.user_data and diag.user_data.lsp and diag.user_data.lsp.code)
    check(diag.severity == vim.diagnostic.severity.WARN, 'severity is Warning')
    check(diag.source == 'abstrakt', 'source is abstrakt (' .. tostring(diag.source) .. ')')
    check(code == 'attribution-required', 'code is attribution-required (' .. tostring(code) .. ')')
    check(diag.message:find('requires attribution', 1, true) ~= nil
      and diag.message:find('FLUX.1-dev', 1, true) ~= nil, 'message: ' .. diag.message)
    check(diag.col == col and diag.end_col == col + #"'flux-dev'",
      string.format('range covers the quoted id (cols %d-%d)', diag.col, diag.end_col or -1))
  end

  -- Hover on the id.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = lnum, character = col + 3 },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 15000) or {}
  local text = ''
  for _, resp in pairs(responses) do
    local result = resp.result
    if result and result.contents then
      local contents = result.contents
      if type(contents) == 'string' then
        text = text .. contents
      elseif contents.value then
        text = text .. contents.value
      else
        for _, part in ipairs(contents) do
          text = text .. (type(part) == 'string' and part or (part.value or '')) .. '\n'
        end
      end
    end
  end
  -- Markdown backslash escapes (\[dev\]) are not part of what the user sees.
  text = text:gsub('\\([%[%]%*_`#\\%-%.!])', '%1')
  local title = text:match('^%s*([^\n]+)') or ''
  log('  hover title: ' .. title)
  check(title:find('FLUX.1 [dev]', 1, true) ~= nil, 'hover card title line contains FLUX.1 [dev]')
  check(text:find('FLUX.1-dev', 1, true) ~= nil, 'hover card shows the license FLUX.1-dev')

  -- The attribution quick fix, picked from the code action menu as a user does.
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local expected = vim.deepcopy(before)
  local indent = before[lnum + 1]:match('^%s*')
  table.insert(expected, lnum + 1, indent .. '// Attribution required: show "Image created with FLUX.1-dev" (Abstrakt\'s example wording, not licence text)')
  local offered = {}
  local select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
      if title:find('Add an attribution reminder above the call', 1, true) then
        return on_choice(item)
      end
    end
    return on_choice(nil)
  end
  vim.api.nvim_win_set_cursor(0, { lnum + 1, col + 2 })
  vim.lsp.buf.code_action()
  local applied = vim.wait(15000, function()
    return vim.api.nvim_buf_line_count(bufnr) == #expected
  end, 50)
  vim.ui.select = select
  local after = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  check(applied and vim.deep_equal(after, expected),
    'quick fix "Add an attribution reminder above the call" applied (offered: '
      .. table.concat(offered, ' | ') .. '):\n    ' .. table.concat(after, '\n    '))
  vim.cmd('silent! write')

  -- update_settings reaches the running client and clients started later.
  local root = vim.fn.fnamemodify(fixture, ':h')
  local other = vim.fn.fnamemodify(root, ':h') .. '/other'
  vim.fn.mkdir(other, 'p')
  vim.fn.writefile({ '{}' }, other .. '/package.json')
  local call = { "abstrakt.run('musicgen');" }
  vim.fn.writefile(call, root .. '/running.js')
  vim.fn.writefile(call, other .. '/later.js')
  require('abstrakt').update_settings({ intendedUse = 'personal' })
  check(client.config.settings.abstrakt.intendedUse == 'personal', 'the running client keeps the new settings')
  -- musicgen is non-commercial: Info for personal use, Error for commercial.
  local function severity_of(path)
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    local buf = vim.api.nvim_get_current_buf()
    local found
    vim.wait(30000, function()
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        if d.message:find('musicgen', 1, true) then
          found = d.severity
          return true
        end
      end
      return false
    end, 50)
    return found, buf
  end
  local severity = severity_of(root .. '/running.js')
  check(severity == vim.diagnostic.severity.INFO,
    'update_settings reached the running client (musicgen severity ' .. tostring(severity) .. ')')
  local later_severity = severity_of(other .. '/later.js')
  local later
  for _, c in ipairs(require('abstrakt').clients()) do
    if c.id ~= client.id then
      later = c
    end
  end
  check(later ~= nil and later.config.root_dir == other, 'a second client started for ' .. other)
  check(later ~= nil and later.config.init_options.intendedUse == 'personal',
    'the later client starts with the updated settings')
  check(later_severity == vim.diagnostic.severity.INFO,
    'the later client applies them (musicgen severity ' .. tostring(later_severity) .. ')')

  -- Nothing at warning or error level was shown to the user.
  check(#shown == 0, 'no warning or error shown to the user' .. (#shown > 0 and (': ' .. table.concat(shown, ' | ')) or ''))

  -- Python: studio.py next to the fixture gets its diagnostic and hover too.
  local py = vim.fn.fnamemodify(fixture, ':h') .. '/studio.py'
  vim.cmd('edit ' .. vim.fn.fnameescape(py))
  local pybuf = vim.api.nvim_get_current_buf()
  check(vim.bo[pybuf].filetype == 'python', 'studio.py has filetype python')
  local plnum, pcol
  for i, line in ipairs(vim.api.nvim_buf_get_lines(pybuf, 0, -1, false)) do
    local s = line:find("'flux-dev'", 1, true)
    if s then
      plnum, pcol = i - 1, s - 1
      break
    end
  end
  assert(plnum, "studio.py has no 'flux-dev'")
  local pdiag
  local pgot = vim.wait(30000, function()
    for _, d in ipairs(vim.diagnostic.get(pybuf)) do
      if d.lnum == plnum and d.message:find('flux-dev', 1, true) then
        pdiag = d
        return true
      end
    end
    return false
  end, 50)
  if check(pgot, "Python: diagnostic published for 'flux-dev'") then
    check(pdiag.col == pcol and pdiag.end_col == pcol + #"'flux-dev'",
      string.format('Python: range covers the quoted id (cols %d-%d)', pdiag.col, pdiag.end_col or -1))
  end
  local presponses = vim.lsp.buf_request_sync(pybuf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(pybuf) },
    position = { line = plnum, character = pcol + 3 },
  }, 15000) or {}
  local ptext = ''
  for _, resp in pairs(presponses) do
    local contents = resp.result and resp.result.contents
    if type(contents) == 'table' and contents.value then
      ptext = ptext .. contents.value
    end
  end
  check(ptext:find('FLUX.1-dev', 1, true) ~= nil, 'Python: hover card shows the license FLUX.1-dev')

  -- :checkhealth abstrakt
  local ok_health, err = pcall(vim.cmd, 'checkhealth abstrakt')
  io.stdout:write('\n')
  local health = ok_health and table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n') or tostring(err)
  check(health:find('abstrakt-lsp found', 1, true) ~= nil, ':checkhealth abstrakt finds the binary')
  check(health:find('version: ', 1, true) ~= nil, ':checkhealth abstrakt reports the version')
end

local ok, err = pcall(run)
if not ok then
  check(false, 'test raised an error: ' .. tostring(err))
end
finish()
