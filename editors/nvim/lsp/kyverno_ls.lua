-- kyverno-ls for Neovim 0.11 and later.
--
-- Put the folder that holds this `lsp/` directory on 'runtimepath' (or copy this file to
-- ~/.config/nvim/lsp/kyverno_ls.lua), then:
--
--   vim.lsp.enable('kyverno_ls')
--
-- Override any field with vim.lsp.config('kyverno_ls', { ... }); tables are merged.
--
-- The server decides by itself which YAML documents are Kyverno policies or test manifests
-- and stays silent on every other YAML file, so attaching to all YAML buffers is safe.

-- The server's defaults, written out so that users can see what they can change.
local defaults = {
  builtinSamples = true,
  samples = {},
  diagnostics = {
    schema = true,
    severity = vim.empty_dict(),
  },
}

---@type vim.lsp.Config
return {
  cmd = { 'kyverno-ls' },
  filetypes = { 'yaml', 'yaml.kyverno' },
  root_markers = { 'kyverno-test.yaml', '.git' },
  settings = { kyverno = vim.deepcopy(defaults) },
  init_options = { kyverno = vim.deepcopy(defaults) },

  -- `settings` is the one place users change: Neovim sends it with didChangeConfiguration
  -- after start, and copying it into initializationOptions as well lets the first analysis
  -- use it already instead of being redone a moment later.
  before_init = function(params, config)
    local from_settings = config.settings and config.settings.kyverno
    if type(from_settings) == 'table' then
      params.initializationOptions = {
        kyverno = vim.tbl_deep_extend('force', (config.init_options or {}).kyverno or {}, from_settings),
      }
    end
  end,

  -- Code lenses (rule results over each rule) and inlay hints (the value of each `{{ }}` for
  -- the current sample) are off in Neovim until asked for. Turn either off with
  -- vim.g.kyverno_ls_codelens = false or vim.g.kyverno_ls_inlay_hints = false.
  on_attach = function(client, bufnr)
    if vim.g.kyverno_ls_codelens ~= false and client:supports_method('textDocument/codeLens') then
      local group = vim.api.nvim_create_augroup('kyverno_ls_codelens_' .. bufnr, { clear = true })
      vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'CursorHold' }, {
        group = group,
        buffer = bufnr,
        callback = function()
          vim.lsp.codelens.refresh({ bufnr = bufnr })
        end,
      })
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    end
    if vim.g.kyverno_ls_inlay_hints ~= false and client:supports_method('textDocument/inlayHint') then
      vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    end
  end,
}
