-- The checks every configuration must pass, against the real server and the tutorial policy.

local H = require('harness')

local C = {}

local has = function(feature)
  return vim.fn.has(feature) == 1
end

local function clients_of(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'kyverno_ls' })
  end
  local out = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'kyverno_ls' then
      table.insert(out, client)
    end
  end
  return out
end

local function ours(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'kyverno-ls' then
      table.insert(out, d)
    end
  end
  table.sort(out, function(a, b)
    return a.message < b.message
  end)
  return out
end

-- Where each Neovim keeps the LSP code of a diagnostic.
local function code_of(d)
  if d.code ~= nil then
    return d.code
  end
  return d.user_data and d.user_data.lsp and d.user_data.lsp.code
end

local function shape(d)
  return {
    message = d.message,
    lnum = d.lnum,
    col = d.col,
    end_lnum = d.end_lnum,
    end_col = d.end_col,
    severity = d.severity,
    source = d.source,
    code = code_of(d),
  }
end

local function request(bufnr, method, params)
  local responses = vim.lsp.buf_request_sync(bufnr, method, params, H.timeout)
  for _, response in pairs(responses or {}) do
    if response.err then
      return nil, response.err
    end
    return response.result
  end
  return nil, 'no response'
end

local function rule_fails(bufnr)
  local out = {}
  for _, d in ipairs(ours(bufnr)) do
    if code_of(d) == 'rule-fails' then
      table.insert(out, d)
    end
  end
  return out
end

local function tutorial_diagnostics()
  local function one(sample)
    return {
      message = 'Pod ' .. sample .. ' would be reported (Audit): Containers must drop `ALL` capabilities.',
      lnum = 20,
      col = 12,
      end_lnum = 20,
      end_col = 28,
      severity = vim.diagnostic.severity.INFO,
      source = 'kyverno-ls',
      code = 'rule-fails',
    }
  end
  return { one('hello-world'), one('privileged') }
end

--- opts:
---   filetype: the filetype the policy must get
---   inlay_hints: whether to check inlay hints (0.10+)
---   set_settings(kyverno): how this configuration sends new settings to the server
---   expected: the observed texts (hover, code lens titles, inlay hint labels)
function C.run(opts)
  local policy = H.repo .. '/examples/drop-all-capabilities.yaml'
  vim.cmd('edit ' .. vim.fn.fnameescape(policy))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)

  H.eq(vim.bo[bufnr].filetype, opts.filetype, 'the policy gets the filetype ' .. opts.filetype)

  local client = H.wait_for(function()
    local c = clients_of(bufnr)[1]
    return c and c.initialized and c
  end)
  if not H.ok(client ~= nil, 'kyverno-ls attaches to the policy') then
    return
  end
  H.eq(client.config.root_dir, H.repo, 'the root is the repository (found by .git)')

  -- Diagnostics: the tutorial's two violations, with the built-in samples.
  H.wait_for(function()
    return #rule_fails(bufnr) >= 2
  end)
  local got = {}
  for _, d in ipairs(ours(bufnr)) do
    table.insert(got, shape(d))
  end
  H.eq(got, tutorial_diagnostics(), 'the rule-fails diagnostics on hello-world and privileged')

  -- Hover on `operation` in `{{ request.operation || 'BACKGROUND' }}` (line 29).
  local line = vim.api.nvim_buf_get_lines(bufnr, 28, 29, false)[1]
  local col = line:find('operation', 1, true) + 2
  local hover, err = request(bufnr, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = 28, character = col },
  })
  local contents = hover and hover.contents or {}
  H.eq(
    { kind = contents.kind, value = contents.value },
    { kind = 'markdown', value = opts.expected.hover },
    'hover shows the value for the current sample'
  )
  if err then
    H.out('#   hover error: ' .. vim.inspect(err))
  end

  -- Code lenses, as the server sends them, and as Neovim shows them (refreshed on attach).
  local lenses = request(bufnr, 'textDocument/codeLens', { textDocument = { uri = uri } }) or {}
  local titles = {}
  for _, lens in ipairs(lenses) do
    table.insert(
      titles,
      { line = lens.range.start.line, title = lens.command and lens.command.title }
    )
  end
  H.eq(titles, opts.expected.codelens, 'code lens titles over the rule')
  local shown = H.wait_for(function()
    local l = vim.lsp.codelens.get(bufnr)
    return #l > 0 and l
  end) or {}
  local shown_titles = {}
  for _, lens in ipairs(shown) do
    table.insert(
      shown_titles,
      { line = lens.range.start.line, title = lens.command and lens.command.title }
    )
  end
  H.eq(shown_titles, opts.expected.codelens, 'the client refreshed the code lenses itself')

  -- Running the lens shows the rule's results (window/showMessage).
  vim.api.nvim_win_set_cursor(0, { 21, 0 })
  local before = #H.messages
  vim.lsp.codelens.run()
  H.eq(
    H.wait_for(function()
      return H.messages[before + 1]
    end),
    table.concat(opts.expected.rule_results, '\n') .. '\n',
    "running the code lens shows each sample's result"
  )

  -- The buffer-local commands run the server's commands.
  local function hover_value()
    local h = request(bufnr, 'textDocument/hover', {
      textDocument = { uri = uri },
      position = { line = 28, character = col },
    })
    return h and h.contents and h.contents.value
  end
  -- Without a label: a vim.ui.select menu of the server's samples (here a stand-in that
  -- records the menu and chooses the sample named `choose`), and completion of the labels.
  local real_select = vim.ui.select
  local menu
  local function pick_from_menu(choose)
    menu = nil
    vim.ui.select = function(items, select_opts, on_choice)
      menu = {}
      local chosen
      for _, item in ipairs(items) do
        table.insert(menu, select_opts.format_item(item))
        if item.label == choose then
          chosen = item
        end
      end
      on_choice(chosen)
    end
    vim.cmd('KyvernoPickSample')
    H.wait_for(function()
      return menu
    end)
    vim.ui.select = real_select
    return menu
  end
  H.eq(pick_from_menu('Pod privileged'), opts.expected.sample_menu, 'the menu lists the samples')
  H.eq(
    H.wait_for(function()
      local v = hover_value()
      return v ~= opts.expected.hover and v
    end),
    opts.expected.hover_privileged,
    ':KyvernoPickSample with no label picks from the menu'
  )
  H.eq(
    pick_from_menu(nil),
    opts.expected.sample_menu_privileged,
    'the menu marks the sample picked'
  )
  H.eq({
    vim.fn.getcompletion('KyvernoPickSample ', 'cmdline'),
    vim.fn.getcompletion('KyvernoPickSample Pod h', 'cmdline'),
  }, opts.expected.sample_completion, ':KyvernoPickSample completes the labels')
  vim.cmd('KyvernoPickSample -')
  H.ok(
    H.wait_for(function()
      return hover_value() == opts.expected.hover
    end),
    ':KyvernoPickSample - goes back to the first sample'
  )

  vim.cmd('KyvernoPickSample Pod privileged')
  H.eq(
    H.wait_for(function()
      local v = hover_value()
      return v ~= opts.expected.hover and v
    end),
    opts.expected.hover_privileged,
    ':KyvernoPickSample makes hover evaluate against another sample'
  )
  vim.cmd('KyvernoPickSample -')
  H.ok(
    H.wait_for(function()
      return hover_value() == opts.expected.hover
    end),
    ':KyvernoPickSample - goes back to the first sample'
  )
  vim.cmd('KyvernoRuleResults')
  local results_buf = H.wait_for(function()
    local b = vim.fn.bufnr('kyverno-ls://rule-results')
    return b > 0 and b
  end)
  H.eq(
    results_buf and vim.api.nvim_buf_get_lines(results_buf, 0, -1, false),
    opts.expected.rule_results,
    ":KyvernoRuleResults shows each sample's result"
  )
  vim.cmd('buffer ' .. bufnr)

  if opts.inlay_hints then
    local offered = H.ok(
      (client.server_capabilities or {}).inlayHintProvider ~= nil,
      'the server offers inlay hints'
    )
    local hints = offered
        and request(bufnr, 'textDocument/inlayHint', {
          textDocument = { uri = uri },
          range = {
            start = { line = 0, character = 0 },
            ['end'] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 },
          },
        })
      or {}
    local labels = {}
    for _, hint in ipairs(hints) do
      local label = hint.label
      if type(label) == 'table' then
        local parts = {}
        for _, part in ipairs(label) do
          table.insert(parts, part.value)
        end
        label = table.concat(parts)
      end
      table.insert(labels, {
        line = hint.position.line,
        character = hint.position.character,
        label = label,
        paddingLeft = hint.paddingLeft,
      })
    end
    H.eq(labels, opts.expected.inlay_hints, 'inlay hints give the value of each template')
    H.ok(offered and H.wait_for(function()
      return vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })
        and #vim.lsp.inlay_hint.get({ bufnr = bufnr }) > 0
    end), 'the client turned inlay hints on and fetched them')
  end

  -- Settings reach the server without a restart: without built-in samples the policy has
  -- nothing to be simulated against, so the verdicts go away, and come back.
  opts.set_settings({ builtinSamples = false })
  H.ok(
    H.wait_for(function()
      return #rule_fails(bufnr) == 0
    end),
    'builtinSamples = false takes the verdicts away'
  )
  opts.set_settings({ builtinSamples = true })
  H.ok(
    H.wait_for(function()
      return #rule_fails(bufnr) == 2
    end),
    'builtinSamples = true brings them back'
  )

  C.manifest(opts)

  if opts.enable_watch then
    C.watch(opts)
  end

  -- NEW server settings: a severity per diagnostic code.
  opts.set_settings({ diagnostics = { severity = { ['rule-fails'] = 'error' } } })
  H.ok(
    H.wait_for(function()
      local d = rule_fails(bufnr)
      return #d == 2
        and d[1].severity == vim.diagnostic.severity.ERROR
        and d[2].severity == vim.diagnostic.severity.ERROR
    end),
    "diagnostics.severity { ['rule-fails'] = 'error' } makes the verdicts errors"
  )
  opts.set_settings({ diagnostics = { severity = { ['rule-fails'] = 'off' } } })
  H.ok(
    H.wait_for(function()
      return #rule_fails(bufnr) == 0
    end),
    "diagnostics.severity { ['rule-fails'] = 'off' } hides them"
  )
  opts.set_settings({ diagnostics = { severity = { ['rule-fails'] = 'warning' } } })
  H.ok(
    H.wait_for(function()
      local d = rule_fails(bufnr)
      return #d == 2 and d[1].severity == vim.diagnostic.severity.WARN
    end),
    "diagnostics.severity { ['rule-fails'] = 'warning' } brings them back as warnings"
  )

  -- Another YAML file keeps its filetype, and gets no diagnostics from kyverno-ls.
  local other = vim.fn.tempname() .. '.yaml'
  vim.fn.writefile({ 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: plain' }, other)
  vim.cmd('edit ' .. vim.fn.fnameescape(other))
  local other_buf = vim.api.nvim_get_current_buf()
  H.eq(vim.bo[other_buf].filetype, 'yaml', 'a ConfigMap stays plain yaml')
  H.ok(
    H.wait_for(function()
      local c = clients_of(other_buf)[1]
      return c and c.initialized
    end),
    'kyverno-ls attaches to it too (it decides itself what to check)'
  )
  H.eq(
    H.wait_for(function()
      return H.published[vim.uri_from_bufnr(other_buf)]
    end),
    {},
    'and publishes no diagnostics for it'
  )
  vim.fn.delete(other)

  C.cel(opts)
  C.changes(opts)
  C.helm(opts)
  C.migrate(opts)
end

--- "Migrate to ValidatingPolicy": the code action creates the ValidatingPolicy beside the
--- policy's file and opens it. Neovim 0.8 is the first whose code action can be chosen by a
--- filter and applied without a menu.
function C.migrate(opts)
  if not has('nvim-0.8') then
    return
  end
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. '/.git', 'p')
  local file = dir .. '/policy.yaml'
  vim.fn.writefile(opts.expected.migrate_policy, file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  H.wait_for(function()
    local c = clients_of(bufnr)[1]
    return c and c.initialized
  end)
  vim.api.nvim_win_set_cursor(0, { 4, 2 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title == 'Migrate to ValidatingPolicy'
    end,
    apply = true,
  })
  local lines = H.wait_for(function()
    local name = vim.api.nvim_buf_get_name(0)
    return name:sub(-#'/policy.vpol.yaml') == '/policy.vpol.yaml'
      and vim.api.nvim_buf_get_lines(0, 0, -1, false)
  end)
  H.eq(lines, opts.expected.migrated, 'the migrated ValidatingPolicy opens beside the policy')
end

--- A Helm template: no YAML errors on its `{{ }}` lines; with `helm.path` set, the rendered
--- policy's findings on the template's lines, and after `:write` those of the new render.
--- The `helm` is a script that prints a canned render.
function C.helm(opts)
  local dir = vim.fn.resolve(vim.fn.tempname())
  local chart = dir .. '/repo/chart'
  vim.fn.mkdir(dir .. '/repo/.git', 'p')
  vim.fn.mkdir(chart .. '/templates', 'p')
  vim.fn.mkdir(dir .. '/bin', 'p')
  vim.fn.writefile({ 'apiVersion: v2', 'name: pols', 'version: 0.1.0' }, chart .. '/Chart.yaml')
  vim.fn.writefile({ 'enabled: true' }, chart .. '/values.yaml')
  local template = {
    '{{- if .Values.enabled }}',
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    '  name: no-demo-pods',
    'spec:',
    '  rules:',
    '  - name: no-hello-world',
    '    match:',
    '      any:',
    '      - resources:',
    '          kinds: [Pod]',
    '    validate:',
    '      failureAction: Audit',
    '      message: "Demo Pods stay out of the cluster."',
    '      deny:',
    '        conditions:',
    '          any:',
    '          - key: "{{`{{ request.object.metadata.name | to_uper(@) }}`}}"',
    '            operator: Equals',
    '            value: HELLO-WORLD',
    '{{- end }}',
  }
  -- What helm prints for the template's lines.
  local function render(lines)
    local out = { '---', '# Source: pols/templates/policy.yaml' }
    for i = 2, #lines - 1 do
      local line = lines[i]:gsub('{{`', ''):gsub('`}}', '')
      table.insert(out, line)
    end
    vim.fn.writefile(out, dir .. '/bin/render.yaml')
  end
  render(template)
  vim.fn.writefile({ '#!/bin/sh', "cat '" .. dir .. "/bin/render.yaml'" }, dir .. '/bin/helm')
  vim.fn.setfperm(dir .. '/bin/helm', 'rwxr-xr-x')
  vim.fn.writefile(template, chart .. '/templates/policy.yaml')

  vim.cmd('edit ' .. vim.fn.fnameescape(chart .. '/templates/policy.yaml'))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  H.ok(
    H.wait_for(function()
      local c = clients_of(bufnr)[1]
      return c and c.initialized and H.published[uri] ~= nil
    end),
    'kyverno-ls attaches to a Helm template and publishes'
  )
  local codes = function()
    local out = {}
    for _, d in ipairs(ours(bufnr)) do
      table.insert(out, code_of(d))
    end
    return out
  end
  H.ok(not vim.tbl_contains(codes(), 'yaml-syntax'), 'no yaml-syntax on the template lines')

  opts.set_settings({ helm = { path = dir .. '/bin/helm' } })
  H.eq(
    H.wait_for(function()
      local d = ours(bufnr)
      return #d == 1 and code_of(d[1]) == 'unknown-function' and { d[1].lnum, d[1].col, d[1].end_col }
    end),
    { 18, 55, 62 },
    'with helm.path set, the misspelt function inside the escaped expression'
  )

  -- Fixed and saved: rendered again, and the verdict sits on the rule's name.
  vim.api.nvim_buf_set_lines(bufnr, 18, 19, false, {
    '          - key: "{{`{{ request.object.metadata.name | to_upper(@) }}`}}"',
  })
  render(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  vim.cmd('silent write')
  H.eq(
    H.wait_for(function()
      local d = rule_fails(bufnr)
      return #d == 1 and not vim.tbl_contains(codes(), 'unknown-function') and { d[1].lnum, d[1].col, d[1].message }
    end),
    {
      7,
      10,
      "Pod hello-world would be reported (Audit): Demo Pods stay out of the cluster. (in Helm's render: `- name: no-hello-world`)",
    },
    'after :write, the new render: the verdict on the rule name'
  )
  -- The engine's answers on the template: hover in the escaped expression gives its value in
  -- the render, the verdict lens sits over the rule's name, and the `{{- if }}` line has none.
  local hover = request(bufnr, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = 18, character = 26 },
  })
  H.eq(
    hover and { hover.range.start.line, hover.range.start.character, hover.contents.value },
    { 18, 24, '**`Pod hello-world`** (built-in sample)\n\n```json\n"HELLO-WORLD"\n```' },
    'hover in the escaped expression shows its value for the current sample'
  )
  H.eq(
    request(bufnr, 'textDocument/hover', {
      textDocument = { uri = uri },
      position = { line = 0, character = 5 },
    }),
    nil,
    'no hover on the {{- if }} line'
  )
  local lenses = request(bufnr, 'textDocument/codeLens', { textDocument = { uri = uri } }) or {}
  local titles = {}
  for _, lens in ipairs(lenses) do
    table.insert(titles, { lens.range.start.line, lens.range.start.character, lens.command.title })
  end
  H.eq(
    titles,
    { { 7, 10, '✓ 2 pass · ✗ 1 fail · ⊘ 0 skip · ⚠ 2 error (built-in samples)' } },
    'the verdict lens over the rule name of the template'
  )
  -- :KyvernoShowRendered shows what Helm rendered, in a scratch buffer.
  vim.cmd('KyvernoShowRendered')
  H.eq(
    H.wait_for(function()
      local name = vim.api.nvim_buf_get_name(0)
      return name:find('kyverno-ls://rendered', 1, true) and vim.api.nvim_buf_get_lines(0, 0, 2, false)
    end),
    { '---', '# Source: pols/templates/policy.yaml' },
    ':KyvernoShowRendered opens the render'
  )
  vim.cmd('close')
  vim.api.nvim_set_current_buf(bufnr)
  opts.set_settings({ helm = { path = '' } })
  vim.fn.delete(dir, 'rf')
end

--- A mutate rule's lens opens the mutated sample against the original in a diff tab, and a
--- generate rule's lens the resources it creates.
function C.changes(opts)
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. '/.git', 'p')
  local file = dir .. '/defaults.yaml'
  vim.fn.writefile(opts.expected.changes_policy, file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  H.wait_for(function()
    local c = clients_of(bufnr)[1]
    return c and c.initialized
  end)
  local function lens_of(command)
    return H.wait_for(function()
      for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
        if lens.command and lens.command.command == command then
          return lens
        end
      end
    end)
  end
  -- Two lenses share each rule's line: the menu chooses the one whose title starts with
  -- `prefix`.
  local real_select = vim.ui.select
  local function run_lens(command, prefix)
    local lens = lens_of(command)
    if not H.ok(lens ~= nil, 'a ' .. command .. ' lens over the rule') then
      return
    end
    vim.api.nvim_set_current_buf(bufnr)
    vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
    vim.ui.select = function(items, select_opts, on_choice)
      for _, item in ipairs(items) do
        local title = select_opts.format_item and select_opts.format_item(item) or ''
        if title:find(prefix, 1, true) then
          return on_choice(item)
        end
      end
      on_choice(nil)
    end
    vim.lsp.codelens.run()
    vim.ui.select = real_select
  end
  local function buffer_lines(name)
    return H.wait_for(function()
      local b = vim.fn.bufnr(name)
      return b > 0 and vim.api.nvim_buf_get_lines(b, 0, -1, false)
    end)
  end

  run_lens('kyverno.showMutations', '✎')
  H.eq(
    buffer_lines('kyverno-ls://before/Pod bare'),
    opts.expected.changes_before,
    'the mutation lens shows the sample before the mutation'
  )
  H.eq(
    buffer_lines('kyverno-ls://after/Pod bare'),
    opts.expected.changes_after,
    'and after it'
  )
  local diffed = 0
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.wo[win].diff then
      diffed = diffed + 1
    end
  end
  H.eq(diffed, 2, 'side by side in diff mode, in a tab of their own')
  vim.cmd('tabclose')

  run_lens('kyverno.showGenerated', '✚')
  H.eq(
    buffer_lines('kyverno-ls://generated'),
    opts.expected.changes_generated,
    'the generate lens shows the resource the rule creates'
  )
  vim.cmd('bwipeout! kyverno-ls://generated')
  vim.fn.delete(dir, 'rf')
end

--- Inside the CEL expressions of the tutorial's ValidatingPolicy: hover docs under the value,
--- and the client's own go to definition from a variable's use to its name.
function C.cel(opts)
  local policy = H.repo .. '/examples/tutorial-validating-policy.yaml'
  vim.cmd('edit ' .. vim.fn.fnameescape(policy))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  H.ok(
    H.wait_for(function()
      local c = clients_of(bufnr)[1]
      return c and c.initialized
    end),
    'kyverno-ls attaches to the ValidatingPolicy'
  )
  H.wait_for(function()
    return #rule_fails(bufnr) >= 2
  end)

  -- Hover on `upperAscii` in the validation (line 37).
  local line = vim.api.nvim_buf_get_lines(bufnr, 36, 37, false)[1]
  local hover = request(bufnr, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = 36, character = line:find('upperAscii', 1, true) + 2 },
  })
  local contents = hover and hover.contents or {}
  H.eq(
    { kind = contents.kind, value = contents.value },
    { kind = 'markdown', value = opts.expected.cel_hover },
    "hover in a CEL expression shows the value, then the function's docs"
  )

  -- Go to definition on `containers` of `variables.containers` (line 36) lands on the
  -- variable's name (line 29).
  line = vim.api.nvim_buf_get_lines(bufnr, 35, 36, false)[1]
  vim.api.nvim_win_set_cursor(0, { 36, line:find('containers', 1, true) + 1 })
  vim.lsp.buf.definition()
  H.eq(
    H.wait_for(function()
      local at = vim.api.nvim_win_get_cursor(0)
      return at[1] ~= 36 and at
    end),
    { 29, 12 },
    'go to definition moves to the name of the variable'
  )
end

--- The README's recipe for file watching: a sample file that changes on disk, outside
--- Neovim, changes the verdicts. In a project of its own, so that only its few files are
--- watched.
function C.watch(opts)
  opts.enable_watch()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. '/.git', 'p')
  local pod = {
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: web',
    'spec:',
    '  containers:',
    '    - name: web',
    '      image: nginx',
  }
  vim.fn.writefile(pod, dir .. '/pods.yaml')
  local policy = vim.fn.readfile(H.repo .. '/examples/drop-all-capabilities.yaml')
  table.insert(policy, 1, '# kyverno-ls: resources=pods.yaml')
  vim.fn.writefile(policy, dir .. '/policy.yaml')

  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/policy.yaml'))
  local bufnr = vim.api.nvim_get_current_buf()
  local messages = function()
    local out = {}
    for _, d in ipairs(rule_fails(bufnr)) do
      table.insert(out, d.message)
    end
    return out
  end
  H.eq(
    H.wait_for(function()
      return #messages() > 0 and messages()
    end),
    { 'Pod web would be reported (Audit): Containers must drop `ALL` capabilities.' },
    'a modeline sample file gives its verdict'
  )
  local fixed = vim.list_extend(vim.list_slice(pod), {
    '      securityContext:',
    '        capabilities:',
    '          drop: [ALL]',
  })
  vim.fn.writefile(fixed, dir .. '/pods.yaml')
  H.ok(
    H.wait_for(function()
      return #messages() == 0
    end),
    'with file watching on, fixing the sample on disk clears the verdict'
  )
  vim.fn.delete(dir, 'rf')
end

--- A test suite in a folder of its own below a repository: the manifest's folder is the
--- root, and :KyvernoRunTests runs it.
function C.manifest(opts)
  local dir = vim.fn.tempname()
  local suite = dir .. '/suite'
  vim.fn.mkdir(dir .. '/.git', 'p')
  vim.fn.mkdir(suite, 'p')
  vim.fn.writefile(
    vim.fn.readfile(H.repo .. '/examples/drop-all-capabilities.yaml'),
    suite .. '/policy.yaml'
  )
  vim.fn.writefile({
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: web',
    'spec:',
    '  containers:',
    '    - name: web',
    '      image: nginx',
  }, suite .. '/pods.yaml')
  vim.fn.writefile({
    'apiVersion: cli.kyverno.io/v1alpha1',
    'kind: Test',
    'metadata:',
    '  name: drop-all',
    'policies:',
    '  - policy.yaml',
    'resources:',
    '  - pods.yaml',
    'results:',
    '  - policy: drop-all-capabilities',
    '    rule: require-drop-all',
    '    resources: [web]',
    '    kind: Pod',
    '    result: fail',
  }, suite .. '/kyverno-test.yaml')

  vim.cmd('edit ' .. vim.fn.fnameescape(suite .. '/kyverno-test.yaml'))
  local bufnr = vim.api.nvim_get_current_buf()
  H.eq(
    vim.bo[bufnr].filetype,
    opts.manifest_filetype,
    'the manifest gets the filetype ' .. opts.manifest_filetype
  )
  local client = H.wait_for(function()
    local c = clients_of(bufnr)[1]
    return c and c.initialized and c
  end)
  H.eq(
    client and client.config.root_dir,
    vim.fn.resolve(suite),
    'the root of a manifest is its folder (kyverno-test.yaml comes before .git)'
  )
  vim.cmd('KyvernoRunTests')
  local report = H.wait_for(function()
    local b = vim.fn.bufnr('kyverno-ls://test-report')
    return b > 0 and vim.api.nvim_buf_get_lines(b, 0, -1, false)
  end) or {}
  -- The report names the manifest by its path, which is new on every run.
  for i, line in ipairs(report) do
    report[i] = line:gsub(vim.pesc(vim.fn.resolve(suite)), '<suite>')
  end
  H.eq(report, opts.expected.test_report, ':KyvernoRunTests shows the report')
  vim.cmd('bwipeout! kyverno-ls://test-report')
  -- The manifest's buffer stays: wiping it while a code lens answer is on its way makes
  -- Neovim 0.7 report an invalid buffer.
  vim.fn.delete(dir, 'rf')
end

C.has = has
C.clients_of = clients_of

return C
