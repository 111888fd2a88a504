-- Optional filetype `yaml.kyverno` for YAML files that hold Kyverno resources, judged by
-- their first lines. It is a compound filetype, so YAML syntax, indent and plugins still apply
-- and the server still attaches; it lets users give Kyverno files their own settings or
-- keymaps (autocmd FileType yaml.kyverno).
--
--   require('kyverno_ls.filetype').setup()
--
-- Nothing calls this unless the user does.

local M = {}

-- How many lines to read: policies usually start with apiVersion, but a licence header or a
-- comment block may come first.
M.max_lines = 50

-- `kyverno.io/v1`, `cli.kyverno.io/v1alpha1`, `policies.kyverno.io/...`, quoted or not.
local function kyverno_api_version(line)
  local group = line:match('^apiVersion:%s*["\']?([%w%.%-]*)/')
  if not group then
    return false
  end
  return group == 'kyverno.io' or group:sub(-#'.kyverno.io') == '.kyverno.io'
end

--- Whether the first lines of `bufnr` look like a Kyverno resource.
---@param bufnr integer
---@return boolean
function M.is_kyverno(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, M.max_lines, false)
  for _, line in ipairs(lines) do
    -- Only top-level keys count (the pattern is anchored at column 0): a nested
    -- `apiVersion:`, such as a generate rule's data, says nothing about the file.
    if kyverno_api_version(line) then
      return true
    end
  end
  return false
end

--- The filetype for a YAML buffer: `yaml.kyverno` or nil (leave it to the other rules).
---@param path string
---@param bufnr integer
---@return string|nil
function M.detect(path, bufnr)
  local tail = vim.fn.fnamemodify(path, ':t')
  if tail == 'kyverno-test.yaml' or tail == 'kyverno-test.yml' then
    return 'yaml.kyverno'
  end
  if bufnr and vim.api.nvim_buf_is_loaded(bufnr) and M.is_kyverno(bufnr) then
    return 'yaml.kyverno'
  end
  return nil
end

local done = false

--- Turns the detection on for the buffers read from now on.
function M.setup()
  if done then
    return
  end
  done = true
  if vim.fn.has('nvim-0.8') == 1 then
    vim.filetype.add({
      pattern = {
        ['.*%.ya?ml'] = function(path, bufnr)
          return M.detect(path, bufnr)
        end,
      },
    })
    return
  end
  -- Neovim 0.7 detects filetypes with filetype.vim unless g:do_filetype_lua is set, so
  -- vim.filetype.add would not be consulted. This autocmd may run before or after
  -- filetype.vim's `setf yaml` (which does nothing once a filetype was set by this event).
  local group = vim.api.nvim_create_augroup('kyverno_ls_filetype', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = { '*.yaml', '*.yml' },
    callback = function(args)
      local ft = vim.bo[args.buf].filetype
      if (ft == '' or ft == 'yaml') and M.detect(args.file, args.buf) then
        vim.bo[args.buf].filetype = 'yaml.kyverno'
      end
    end,
  })
end

return M
