-- Neovim 0.7-0.10 (and later): require('kyverno_ls').setup(), with the optional filetype.
local test_dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('harness')

vim.opt.runtimepath:prepend(H.plugin_dir)
local kyverno_ls = require('kyverno_ls')
kyverno_ls.setup({ cmd = { H.server }, filetype = true })

H.run('require("kyverno_ls").setup', function()
  local checks = require('checks')
  checks.run({
    filetype = 'yaml.kyverno',
    manifest_filetype = 'yaml.kyverno',
    inlay_hints = checks.has('nvim-0.10'),
    expected = require('expected'),
    set_settings = kyverno_ls.update_settings,
    -- Neovim 0.9 and older have no file watching.
    enable_watch = checks.has('nvim-0.10') and function()
      kyverno_ls.setup({
        cmd = { H.server },
        filetype = true,
        capabilities = {
          workspace = { didChangeWatchedFiles = { dynamicRegistration = true } },
        },
      })
    end or nil,
  })
end)
