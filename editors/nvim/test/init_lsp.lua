-- Neovim 0.11+: lsp/kyverno_ls.lua on 'runtimepath', vim.lsp.enable('kyverno_ls').
local test_dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('harness')

vim.opt.runtimepath:prepend(H.plugin_dir)
vim.lsp.config('kyverno_ls', { cmd = { H.server } })
vim.lsp.enable('kyverno_ls')

H.run('lsp/kyverno_ls.lua with vim.lsp.enable', function()
  require('checks').run({
    filetype = 'yaml',
    manifest_filetype = 'yaml',
    inlay_hints = true,
    expected = require('expected'),
    enable_watch = function()
      vim.lsp.config('kyverno_ls', {
        capabilities = { workspace = { didChangeWatchedFiles = { dynamicRegistration = true } } },
      })
    end,
    -- The README's recipe for changing settings while the server runs.
    set_settings = function(kyverno)
      for _, client in ipairs(vim.lsp.get_clients({ name = 'kyverno_ls' })) do
        client.settings = vim.tbl_deep_extend('force', client.settings, { kyverno = kyverno })
        client:notify('workspace/didChangeConfiguration', { settings = client.settings })
      end
    end,
  })
end)
