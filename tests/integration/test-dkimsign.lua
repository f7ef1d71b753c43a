-- test-dkimsign.lua: one message through filterd's milter for
-- test-dkimsign.sh. Globals (-D): SOCK, DIR (tests/integration/milter,
-- for common.lua), MSG (the message file), IP (the client), AUTH (the
-- {auth_authen} user, "" for none), OUT (prefix of the files written).
-- Writes OUT.msg (the message as the milter got it: "Name: value"
-- fields, CRLF) and OUT.sigs (each DKIM-Signature value the milter
-- inserted, one a line, its line breaks written as "\n"), and OUT.spam
-- ("yes" when X-Spam-Status was added: the message was scanned).
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn, IP)
local hdrs, body = split_message(read_file(MSG))
local opts = {}
if AUTH ~= nil and AUTH ~= "" then opts.auth = AUTH end
envelope(conn, "<alice@example.test>", { "<bob@example.org>" }, opts)
local r = content(conn, hdrs, body)
expect(r == SMFIR_CONTINUE, "accepted at end of header: the body was never seen")
r = eom(conn)
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "eom reply " .. tostring(r))

local f = io.open(OUT .. ".msg", "wb")
for _, h in ipairs(hdrs) do
	f:write(h[1] .. ": " .. h[2]:gsub("\n", "\r\n") .. "\r\n")
end
f:write("\r\n" .. body)
f:close()

f = io.open(OUT .. ".sigs", "wb")
if mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
	local i = 0
	while true do
		local v = mt.getheader(conn, "DKIM-Signature", i)
		if v == nil then break end
		f:write((v:gsub("\n", "\\n")) .. "\n")
		i = i + 1
	end
end
f:close()
expect(not mt.eom_check(conn, MT_HDRADD, "DKIM-Signature"), "DKIM-Signature added at the bottom")

f = io.open(OUT .. ".spam", "wb")
f:write(added(conn, "X-Spam-Status") and "yes\n" or "no\n")
f:close()
mt.disconnect(conn)
