-- What kyverno-ls answers for examples/drop-all-capabilities.yaml with the built-in samples,
-- as observed from the server and written down here. Lines are 0-based.
return {
  -- Hover on `request.operation` in the precondition key (line 29 in the editor).
  hover = '**`Pod hello-world`** (built-in sample)\n\n```json\n"CREATE"\n```',
  -- The same after :KyvernoPickSample Pod privileged.
  hover_privileged = '**`Pod privileged`** (built-in sample)\n\n```json\n"CREATE"\n```',
  -- :KyvernoPickSample's menu, before and after picking Pod privileged.
  sample_menu = {
    'Pod hello-world (built-in samples)',
    'Pod hardened (built-in samples)',
    'Pod privileged (built-in samples)',
    'Deployment hardened (built-in samples)',
    'CronJob hardened (built-in samples)',
  },
  sample_menu_privileged = {
    'Pod hello-world (built-in samples)',
    'Pod hardened (built-in samples)',
    'Pod privileged (built-in samples) (current)',
    'Deployment hardened (built-in samples)',
    'CronJob hardened (built-in samples)',
  },
  -- After `:KyvernoPickSample ` and after `:KyvernoPickSample Pod h`: the rest of each label
  -- from the word being completed.
  sample_completion = {
    {
      'Pod hello-world',
      'Pod hardened',
      'Pod privileged',
      'Deployment hardened',
      'CronJob hardened',
    },
    { 'hello-world', 'hardened' },
  },
  -- :KyvernoRuleResults
  rule_results = {
    'require-drop-all (built-in samples):',
    '  ✗ fail Pod hello-world: Containers must drop `ALL` capabilities.',
    '  ✓ pass Pod hardened: rule passed',
    '  ✗ fail Pod privileged: Containers must drop `ALL` capabilities.',
    '  ✓ pass Deployment hardened: rule passed',
    '  ✓ pass CronJob hardened: rule passed',
  },
  -- :KyvernoRunTests on a manifest that expects the policy to fail on an nginx Pod.
  test_report = {
    'Test <suite>/kyverno-test.yaml',
    '│ ID │ POLICY                │ RULE             │ RESOURCE │ EXPECTED │ ACTUAL │ VERDICT │ REASON',
    '│ 1  │ drop-all-capabilities │ require-drop-all │ web      │ fail     │ fail   │ Pass    │ validation failure: Containers must drop `ALL` capabilities.',
    '',
    'Test Summary: 1 manifests, 1 results: 1 passed, 0 failed, 0 unsupported',
  },
  -- One lens over the rule's name (line 21 in the editor).
  codelens = {
    { line = 20, title = '✓ 3 pass · ✗ 2 fail · ⊘ 0 skip (built-in samples)' },
  },
  -- Hover on `upperAscii` in examples/tutorial-validating-policy.yaml (line 37 in the
  -- editor): the validation's value for the first sample, then the function.
  cel_hover = '**`Pod hello-world`** (built-in sample)\n\n```json\nfalse\n```\n\n---\n\n'
    .. '```\nstring.upperAscii() -> string\n```\n'
    .. 'The string with ASCII letters in upper case; other characters are left alone.',
  -- Inlay hints after each `{{ }}`: the precondition key (line 29 in the editor), and the
  -- deny value inside the foreach (line 41), whose first element has no capabilities.
  inlay_hints = {
    { line = 28, character = 58, label = '= "CREATE"', paddingLeft = true },
    { line = 40, character = 98, label = '= []', paddingLeft = true },
  },
}
