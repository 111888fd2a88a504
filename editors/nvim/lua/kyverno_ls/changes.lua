-- What mutate and generate rules change, from the server's kyverno.showMutations and
-- kyverno.showGenerated answers: a mutated sample against the original in a diff tab, the
-- resources a generate rule creates in a scratch buffer. Registered as client-side handlers
-- of those commands, so that running the code lens over a rule opens them.

local M = {}

local function lines(text)
  return vim.split((text:gsub('\n$', '')), '\n', { plain = true })
end

-- A read-only YAML buffer that is not a file (the language server leaves it alone).
local function scratch(name, text)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines(text))
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'yaml'
  return buf
end

--- A new tab with the sample before (left) and after (right) the mutation, in diff mode.
function M.show_mutation(m)
  vim.cmd('tabnew')
  local empty = vim.api.nvim_get_current_buf()
  vim.api.nvim_win_set_buf(0, scratch('kyverno-ls://before/' .. m.sample, m.original))
  vim.cmd('diffthis')
  vim.cmd('rightbelow vsplit')
  vim.api.nvim_win_set_buf(0, scratch('kyverno-ls://after/' .. m.sample, m.mutated))
  vim.cmd('diffthis')
  if vim.api.nvim_buf_is_valid(empty) and vim.api.nvim_buf_get_name(empty) == '' then
    pcall(vim.api.nvim_buf_delete, empty, { force = true })
  end
end

--- A scratch buffer with the resources created for each sample, one YAML stream.
function M.show_generated(list)
  local parts = {}
  for _, g in ipairs(list) do
    table.insert(parts, ('# Created by rule %s for %s\n%s'):format(g.rule, g.sample, g.resources))
  end
  vim.cmd('botright new')
  local buf = scratch('kyverno-ls://generated', table.concat(parts, '---\n'))
  vim.api.nvim_win_set_buf(0, buf)
end

local function run(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local handler = function(err, result)
    if err then
      vim.notify('kyverno-ls: ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
      return
    end
    if type(result) ~= 'table' or #result == 0 then
      vim.notify('kyverno-ls: this rule changes none of the samples', vim.log.levels.INFO)
      return
    end
    if command.command == 'kyverno.showGenerated' then
      return M.show_generated(result)
    end
    if #result == 1 then
      return M.show_mutation(result[1])
    end
    vim.ui.select(result, {
      prompt = 'Sample to compare before and after the mutation',
      format_item = function(m)
        return m.sample .. ' (' .. m.rule .. ')'
      end,
    }, function(choice)
      if choice then
        M.show_mutation(choice)
      end
    end)
  end
  local params = { command = command.command, arguments = command.arguments }
  -- Neovim 0.11 made the client's methods take `self`.
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('workspace/executeCommand', params, handler, ctx.bufnr)
  else
    client.request('workspace/executeCommand', params, handler, ctx.bufnr)
  end
end

--- Client-side handlers of the server's change commands, for a client's `commands`.
M.commands = {
  ['kyverno.showMutations'] = run,
  ['kyverno.showGenerated'] = run,
}

return M
