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
        kyverno = vim.tbl_deep_extend(
          'force',
          (config.init_options or {}).kyverno or {},
          from_settings
        ),
      }
    end
  end,

  -- Code lenses (rule results over each rule) and inlay hints (the value of each `{{ }}` for
  -- the current sample) are off in Neovim until asked for. Turn either off with
  -- vim.g.kyverno_ls_codelens = false or vim.g.kyverno_ls_inlay_hints = false.
  -- The lenses over mutate and generate rules open what they change (a diff tab, a scratch
  -- buffer). The handlers live next to this file's folder, in lua/kyverno_ls/changes.lua;
  -- a copy of this file alone runs those lenses on the server, which shows nothing.
  commands = (function()
    local ok, changes = pcall(require, 'kyverno_ls.changes')
    return ok and changes.commands or {}
  end)(),

  on_attach = function(client, bufnr)
    -- The server's commands, as buffer-local commands (see the README).
    local uri = vim.uri_from_bufnr(bufnr)
    local function show_text(title, text)
      if type(text) ~= 'string' then
        return
      end
      vim.cmd('botright new')
      local buf = vim.api.nvim_get_current_buf()
      vim.bo[buf].buftype, vim.bo[buf].bufhidden, vim.bo[buf].swapfile = 'nofile', 'wipe', false
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
    local function execute(command, arguments, on_result)
      client:request(
        'workspace/executeCommand',
        { command = command, arguments = arguments },
        function(err, result)
          if err then
            vim.notify('kyverno-ls: ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
          elseif on_result then
            on_result(result)
          end
        end,
        bufnr
      )
    end
    vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoRuleResults', function()
      execute('kyverno.showRuleResults', { uri }, function(text)
        show_text('kyverno-ls://rule-results', text)
      end)
    end, { desc = 'kyverno-ls: results of every rule for each sample' })
    local function pick(label)
      execute('kyverno.pickSample', { uri, label })
    end
    vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoPickSample', function(args)
      if args.args == '-' then
        return pick(vim.NIL)
      elseif args.args ~= '' then
        return pick(args.args)
      end
      execute('kyverno.listSamples', { uri }, function(samples)
        if type(samples) ~= 'table' or #samples == 0 then
          vim.notify('kyverno-ls: this document has no samples', vim.log.levels.INFO)
          return
        end
        vim.ui.select(samples, {
          prompt = 'Sample to evaluate expressions against',
          format_item = function(sample)
            return ('%s (%s)%s'):format(
              sample.label,
              tostring(sample.description),
              sample.current and ' (current)' or ''
            )
          end,
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
        local response = client:request_sync('workspace/executeCommand', {
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
      execute('kyverno.runTests', { uri }, function(text)
        show_text('kyverno-ls://test-report', text)
      end)
    end, { desc = 'kyverno-ls: run this test manifest' })
    vim.api.nvim_buf_create_user_command(bufnr, 'KyvernoShowRendered', function()
      execute('kyverno.showRendered', { uri }, function(rendered)
        if type(rendered) == 'table' and type(rendered.rendered) == 'string' then
          show_text('kyverno-ls://rendered', rendered.rendered)
          vim.bo.filetype = 'yaml'
        end
      end)
    end, { desc = 'kyverno-ls: what Helm renders from this template, or kustomize builds from this kustomization' })

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
    if
      vim.g.kyverno_ls_inlay_hints ~= false and client:supports_method('textDocument/inlayHint')
    then
      vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    end
  end,
}
