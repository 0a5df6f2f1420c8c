-- Drives the Stepwise language server from Neovim's built-in LSP client (headless), as a person
-- would: open a file that uses the legacy API, wait for its diagnostics, ask for code actions on
-- the first one and pick "Migrate this file through the adapter" (vim.ui.select answers as the
-- person would), then wait for the server's message saying how it went. What happened is written
-- as JSON to $STEPWISE_RESULT; the mocha test checks it and the commit in the repository.
local root = os.getenv('STEPWISE_ROOT')
local server = os.getenv('STEPWISE_SERVER')
local file = root .. '/' .. os.getenv('STEPWISE_FILE')
local result = { messages = {}, questions = {}, actions = {}, diagnostics = 0, progress = {} }

local function finish(reason)
  result.finished = reason
  local out = io.open(os.getenv('STEPWISE_RESULT'), 'w')
  out:write(vim.fn.json_encode(result))
  out:close()
  vim.cmd('qall!')
end

local client_id = vim.lsp.start_client({
  name = 'stepwise',
  cmd = { 'node', server, '--stdio' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'demo' } },
  handlers = {
    ['window/showMessage'] = function(_, params)
      table.insert(result.messages, params.message)
    end,
    -- A question from the server: the person picks the first answer offered.
    ['window/showMessageRequest'] = function(_, params)
      table.insert(result.questions, params.message)
      return params.actions and params.actions[1] or vim.NIL
    end,
    ['$/progress'] = function(_, params)
      if params.value and params.value.message then table.insert(result.progress, params.value.message) end
    end,
    ['window/logMessage'] = function() end,
  },
})
if not client_id then finish('the server did not start') return end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
vim.lsp.buf_attach_client(0, client_id)

if not vim.wait(120000, function() return #vim.diagnostic.get(0) > 0 end, 100) then
  finish('no diagnostics arrived')
  return
end
local diagnostics = vim.diagnostic.get(0)
result.diagnostics = #diagnostics
vim.api.nvim_win_set_cursor(0, { diagnostics[1].lnum + 1, diagnostics[1].col })

-- The person chooses the migration from the list of code actions.
vim.ui.select = function(items, _, on_choice)
  for _, item in ipairs(items) do
    local action = item[2]
    table.insert(result.actions, { title = action.title, command = action.command and action.command.command or vim.NIL })
  end
  for index, item in ipairs(items) do
    if item[2].title == 'Migrate this file through the adapter' then return on_choice(item, index) end
  end
  on_choice(nil, nil)
end
vim.lsp.buf.code_action()

local done = vim.wait(600000, function()
  for _, message in ipairs(result.messages) do
    if message:find('^Committed') or message:find('^Verification') or message:find('^Stepwise') then return true end
  end
  return #result.messages > 0
end, 100)
finish(done and 'answered' or 'no answer from the server')
