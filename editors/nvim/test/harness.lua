-- Shared by the init_*.lua files: where things are, a tiny TAP-like reporter, and the exit.

local H = {}

local function script_dir()
  local source = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(source, ':p:h')
end

H.test_dir = script_dir()
H.plugin_dir = vim.fn.fnamemodify(H.test_dir, ':h')
H.repo = vim.fn.fnamemodify(H.plugin_dir, ':h:h')

-- The server under test: $KYVERNO_LS, else the release build of this repository.
H.server = os.getenv('KYVERNO_LS')
if H.server == nil or H.server == '' then
  H.server = H.repo .. '/target/release/kyverno-ls'
end

-- Upper bound for every wait: only a hang guard, never a measurement.
H.timeout = tonumber(os.getenv('KYVERNO_NVIM_TIMEOUT_MS') or '') or 30000

H.passed = 0
H.failed = 0

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end
H.out = out

function H.ok(cond, name, detail)
  if cond then
    H.passed = H.passed + 1
    out('ok - ' .. name)
  else
    H.failed = H.failed + 1
    out('not ok - ' .. name)
    if detail ~= nil then
      for line in tostring(detail):gmatch('[^\n]+') do
        out('#   ' .. line)
      end
    end
  end
  return cond
end

function H.eq(got, want, name)
  return H.ok(
    vim.deep_equal(got, want),
    name,
    'want: ' .. vim.inspect(want) .. '\ngot:  ' .. vim.inspect(got)
  )
end

--- Waits until `fn` returns a truthy value (hang guard: H.timeout) and returns that value.
function H.wait_for(fn)
  local value
  vim.wait(H.timeout, function()
    value = fn()
    return value ~= nil and value ~= false
  end, 50)
  return value
end

-- Messages the server shows (window/showMessage) go to the report as comments, each line
-- on its own, rather than into Neovim's message area, which in headless mode writes them
-- without line breaks into the middle of the report.
H.messages = {}
vim.lsp.handlers['window/showMessage'] = function(_, result)
  table.insert(H.messages, result.message)
  for line in tostring(result.message):gmatch('[^\n]+') do
    out('# message: ' .. line)
  end
  return vim.NIL
end

-- Stops the servers and waits for them to exit. Quitting with a server still starting up
-- lets Neovim 0.11 kill it and then write to its closed pipe while tearing itself down,
-- which now and then kills Neovim with SIGPIPE (exit status 141) after every check passed.
local function stop_servers()
  local modern = vim.fn.has('nvim-0.11') == 1
  local function all()
    if vim.lsp.get_clients then
      -- Without _uninitialized, the clients still starting are left out.
      return vim.lsp.get_clients({ _uninitialized = true })
    end
    return vim.lsp.get_active_clients()
  end
  -- A client that is still initializing does not take a stop request well.
  vim.wait(H.timeout, function()
    for _, client in ipairs(all()) do
      if not client.initialized then
        return false
      end
    end
    return true
  end, 50)
  local clients = all()
  for _, client in ipairs(clients) do
    if modern then
      client:stop()
    else
      client.stop()
    end
  end
  return vim.wait(H.timeout, function()
    for _, client in ipairs(clients) do
      local stopped
      if modern then
        stopped = client:is_stopped()
      else
        stopped = client.is_stopped()
      end
      if not stopped then
        return false
      end
    end
    return true
  end, 50)
end

-- The diagnostics each document was last published with, by URI, to tell "published
-- nothing" from "not published yet".
H.published = {}
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result then
    H.published[result.uri] = result.diagnostics
  end
  return publish(err, result, ctx, config)
end

--- Runs `body` after startup, reports, and leaves nvim with a status that says whether all
--- checks passed.
function H.run(label, body)
  vim.api.nvim_create_autocmd('VimEnter', {
    once = true,
    -- Opening files from here must run their BufRead and FileType autocmds.
    nested = true,
    callback = function()
      local v = vim.version()
      out(string.format('# %s on Neovim %d.%d.%d', label, v.major, v.minor, v.patch))
      local ok, err = xpcall(body, debug.traceback)
      H.ok(ok, 'the test ran to its end', err)
      H.ok(stop_servers(), 'the servers exit when asked')
      out(string.format('%d passed, %d failed', H.passed, H.failed))
      if H.failed == 0 then
        vim.cmd('qall!')
      else
        vim.cmd('cquit 1')
      end
    end,
  })
end

return H
