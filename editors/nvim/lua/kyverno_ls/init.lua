-- kyverno-ls for Neovim 0.7 to 0.10 (it works on 0.11 too, where lsp/kyverno_ls.lua is the
-- simpler way):
--
--   require('kyverno_ls').setup({})
--
-- starts kyverno-ls for every YAML buffer, one server per project root. The server decides
-- by itself which YAML documents are Kyverno policies or test manifests and stays silent on
-- every other YAML file.

local M = {}

local has = function(feature)
  return vim.fn.has(feature) == 1
end

-- The server's defaults, written out so that users can see what they can change.
local function default_settings()
  return {
    kyverno = {
      builtinSamples = true,
      samples = {},
      diagnostics = {
        schema = true,
        severity = vim.empty_dict(),
      },
    },
  }
end

local function defaults()
  return {
    cmd = { 'kyverno-ls' },
    filetypes = { 'yaml', 'yaml.kyverno' },
    root_markers = { 'kyverno-test.yaml', '.git' },
    settings = default_settings(),
    -- Refresh code lenses (rule results over each rule) on BufEnter, InsertLeave and
    -- CursorHold.
    codelens = true,
    -- Show the value of each `{{ }}` for the current sample after it (Neovim 0.10+).
    inlay_hints = true,
    -- Set the filetype `yaml.kyverno` on YAML files that hold Kyverno resources.
    filetype = false,
    -- Called after kyverno-ls's own attach steps, as on_attach(client, bufnr).
    on_attach = nil,
    -- Added to Neovim's own client capabilities.
    capabilities = nil,
    handlers = nil,
  }
end

M.name = 'kyverno_ls'

-- The options of the last setup() call.
M.options = nil

local function call_method(client, method, ...)
  -- 0.11 wants client:method(); the dot form warns there and is all that 0.7-0.10 have.
  if has('nvim-0.11') then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- The project root for `path`: the directory of the first marker found upwards, trying the
--- markers in order (as Neovim 0.11's root_markers do), or the file's own directory.
---@param path string
---@param markers string[]
---@return string
function M.root_dir(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(markers) do
    local found
    if vim.fs and vim.fs.find then
      found = vim.fs.find(marker, { path = dir, upward = true })[1]
      if found then
        return vim.fn.fnamemodify(found, ':h')
      end
    else
      -- Neovim 0.7 has no vim.fs.
      local current = dir
      while current do
        if vim.loop.fs_stat(current .. '/' .. marker) then
          return current
        end
        local parent = vim.fn.fnamemodify(current, ':h')
        current = parent ~= current and parent or nil
      end
    end
  end
  return dir
end

local function get_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = M.name })
  end
  local out = {}
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == M.name then
      table.insert(out, client)
    end
  end
  return out
end

--- The running kyverno-ls clients.
M.clients = get_clients

local function refresh_codelens(bufnr)
  if has('nvim-0.10') then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  elseif vim.api.nvim_buf_is_valid(bufnr) then
    -- Before 0.10, refresh() works on the current buffer only.
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.codelens.refresh()
    end)
  end
end

--- How the sample menu shows one of the server's samples.
function M.format_sample(sample)
  return sample.label
    .. ' ('
    .. tostring(sample.description)
    .. ')'
    .. (sample.current and ' (current)' or '')
end

-- A scratch window with the text a command returned (the rule results, a test report).
local function show_text(title, text)
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, title)
  vim.api.nvim_buf_set_lines(
    buf,
    0,
    -1,
    false,
    vim.split((text:gsub('\n$', '')), '\n', { plain = true })
  )
  vim.bo[buf].modifiable = false
end

local function execute(client, bufnr, command, arguments, on_result)
  call_method(client, 'request', 'workspace/executeCommand', {
    command = command,
    arguments = arguments,
  }, function(err, result)
    if err then
      vim.notify('kyverno-ls: ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
    elseif on_result then
      on_result(result)
    end
  end, bufnr)
end

--- Buffer-local commands for the server's commands:
---   :KyvernoRuleResults       the per-sample results of every rule of the buffer
---   :KyvernoPickSample [LABEL] the sample that hover and inlay hints evaluate against
---                             (without LABEL, a vim.ui.select menu; `-` goes back to the
---                             default)
---   :KyvernoRunTests          runs the buffer's test manifest (kyverno-test.yaml)
---   :KyvernoShowRendered      what Helm renders from the buffer's template
function M.define_commands(client, bufnr)
  local uri = vim.uri_from_bufnr(bufnr)
  vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoRuleResults', function()
    execute(client, bufnr, 'kyverno.showRuleResults', { uri }, function(text)
      if type(text) == 'string' then
        show_text('kyverno-ls://rule-results', text)
      end
    end)
  end, { desc = 'kyverno-ls: results of every rule for each sample' })
  local function pick(label)
    execute(client, bufnr, 'kyverno.pickSample', { uri, label })
  end
  vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoPickSample', function(args)
    if args.args == '-' then
      return pick(vim.NIL)
    elseif args.args ~= '' then
      return pick(args.args)
    end
    execute(client, bufnr, 'kyverno.listSamples', { uri }, function(samples)
      if type(samples) ~= 'table' or #samples == 0 then
        vim.notify('kyverno-ls: this document has no samples', vim.log.levels.INFO)
        return
      end
      vim.ui.select(samples, {
        prompt = 'Sample to evaluate expressions against',
        format_item = M.format_sample,
      }, function(choice)
        if choice then
          pick(choice.label)
        end
      end)
    end)
  end, {
    nargs = '?',
    desc = 'kyverno-ls: the sample that hover and inlay hints use',
    -- Labels have spaces (`Pod hello-world`) and Neovim completes one word at a time: match
    -- what was typed after the command, and give the rest of each label from the word
    -- being completed on.
    complete = function(lead, line)
      local typed = line:match('^%S+%s+(.*)$') or ''
      local response = call_method(client, 'request_sync', 'workspace/executeCommand', {
        command = 'kyverno.listSamples',
        arguments = { uri },
      }, 1000, bufnr)
      local labels = {}
      local samples = response and type(response.result) == 'table' and response.result or {}
      for _, sample in ipairs(samples) do
        if sample.label:sub(1, #typed) == typed then
          table.insert(labels, sample.label:sub(#typed - #lead + 1))
        end
      end
      return labels
    end,
  })
  vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoRunTests', function()
    execute(client, bufnr, 'kyverno.runTests', { uri }, function(text)
      if type(text) == 'string' then
        show_text('kyverno-ls://test-report', text)
      end
    end)
  end, { desc = 'kyverno-ls: run this test manifest' })
  vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoShowRendered', function()
    execute(client, bufnr, 'kyverno.showRendered', { uri }, function(rendered)
      if type(rendered) == 'table' and type(rendered.rendered) == 'string' then
        show_text('kyverno-ls://rendered', rendered.rendered)
        vim.bo.filetype = 'yaml'
      end
    end)
  end, { desc = "kyverno-ls: what Helm renders from this template, or kustomize builds from this kustomization" })
end

local function attach(opts, client, bufnr)
  local caps = client.server_capabilities or {}
  M.define_commands(client, bufnr)
  if opts.codelens and caps.codeLensProvider then
    local group = vim.api.nvim_create_augroup('kyverno_ls_codelens_' .. bufnr, { clear = true })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'CursorHold' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        refresh_codelens(bufnr)
      end,
    })
    refresh_codelens(bufnr)
  end
  if opts.inlay_hints and caps.inlayHintProvider and has('nvim-0.10') then
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  end
  if opts.on_attach then
    opts.on_attach(client, bufnr)
  end
end

local function client_config(opts, root)
  return {
    name = M.name,
    cmd = opts.cmd,
    root_dir = root,
    settings = opts.settings,
    -- The same settings at start, so the first analysis already uses them; Neovim sends
    -- `settings` again with didChangeConfiguration once the server is up.
    init_options = opts.init_options or opts.settings,
    -- Older Neovims (0.7 at least) send the given capabilities instead of their own.
    capabilities = vim.tbl_deep_extend(
      'force',
      vim.lsp.protocol.make_client_capabilities(),
      opts.capabilities or {}
    ),
    handlers = opts.handlers,
    -- The lenses over mutate and generate rules open what they change.
    commands = require('kyverno_ls.changes').commands,
    on_attach = function(client, bufnr)
      attach(opts, client, bufnr)
    end,
  }
end

-- Neovim 0.7 has no vim.lsp.start: one client per root, started and attached by hand.
local legacy_clients = {}

local function start_legacy(config, bufnr)
  local id = legacy_clients[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    if not id then
      return nil
    end
    legacy_clients[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Starts (or reuses) the client for `bufnr`.
---@param bufnr integer
---@return integer|nil client id
function M.start(bufnr)
  local opts = M.options or defaults()
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return nil
  end
  local config = client_config(opts, M.root_dir(path, opts.root_markers))
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  return start_legacy(config, bufnr)
end

--- Sends new settings to the running servers (`{ builtinSamples = false }`, say); they
--- re-analyse the open documents without a restart. Later starts use them too.
---@param kyverno table the `kyverno` section, merged into the current one
function M.update_settings(kyverno)
  if M.options then
    M.options.settings = vim.tbl_deep_extend('force', M.options.settings, { kyverno = kyverno })
  end
  for _, client in ipairs(get_clients()) do
    client.config.settings =
      vim.tbl_deep_extend('force', client.config.settings or {}, { kyverno = kyverno })
    call_method(client, 'notify', 'workspace/didChangeConfiguration', {
      settings = client.config.settings,
    })
  end
end

--- Starts kyverno-ls for the YAML buffers opened from now on, and for those already open.
---@param user table|nil options; see defaults() above and the README
function M.setup(user)
  local opts = vim.tbl_deep_extend('force', defaults(), user or {})
  M.options = opts
  if opts.filetype then
    require('kyverno_ls.filetype').setup()
  end
  local group = vim.api.nvim_create_augroup('kyverno_ls', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = opts.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if
      vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype)
    then
      M.start(bufnr)
    end
  end
end

return M
