-- Drives the Agent Policy language server from Neovim's built-in LSP client (a second, independent
-- client), opens one file and writes the diagnostics it received as JSON. Used by test/lsp/neovim.test.ts.
-- Environment: APOL_SERVER (dist/server.js), APOL_ROOT (workspace), APOL_FILE (file to open),
-- APOL_EXPECT (how many diagnostics to wait for), APOL_OUT (where to write the JSON).
local server, root, file = os.getenv('APOL_SERVER'), os.getenv('APOL_ROOT'), os.getenv('APOL_FILE')
local expect, out = tonumber(os.getenv('APOL_EXPECT')), os.getenv('APOL_OUT')

local client_id = vim.lsp.start_client({
  name = 'agent-policy',
  cmd = { os.getenv('APOL_NODE') or 'node', server, '--stdio' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'ws' } },
})
vim.cmd('edit ' .. vim.fn.fnameescape(file))
vim.lsp.buf_attach_client(0, client_id)

local ok = vim.wait(30000, function() return #vim.diagnostic.get(0) >= expect end, 50)
local result = { ok = ok, diagnostics = {} }
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(result.diagnostics, {
    line = d.lnum, col = d.col, end_line = d.end_lnum, end_col = d.end_col,
    severity = d.severity, code = d.code or lsp.code, source = d.source, message = d.message,
  })
end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode(result))
f:close()
vim.lsp.stop_client(client_id)
vim.cmd('qa!')
