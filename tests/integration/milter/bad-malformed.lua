-- bad-malformed.lua: one malformed message (-D CASE=...) on its own
-- connection; it must be accepted with X-Spam-Status added.
--   8bit      8-bit garbage and invalid UTF-8 in header names and values
--   manyhdrs  2000 header fields
--   nulbody   a body with NUL bytes (sent from a file: mt.bodystring
--             stops at the first NUL)
--   longlines body lines of 100 KB and 70 KB, the last without CRLF
--   nobody    no body chunk at all between end of headers and eom
-- (A 60 KB header value cannot be sent with miltertest 1.6.0: mt.header
-- copies name and value into a 1 KB stack buffer; bad-longhdr.py does it.)
dofile(DIR .. "/common.lua")
mt.set_timeout(60)

local base = {
	{ "From", "Mallory <mallory@example.net>" },
	{ "To", "Bob <bob@example.org>" },
	{ "Subject", "malformed " .. CASE },
	{ "Date", "Wed, 23 Apr 2025 09:30:00 +0200" },
	{ "Message-ID", "<" .. CASE .. "@example.net>" },
}
local hdrs, body, bodyfile = base, "Hello.\r\n", nil

local function garbage(n, seed)
	local t = {}
	for i = 1, n do
		t[i] = string.char(0x80 + (i * 37 + seed) % 0x80)
	end
	return table.concat(t)
end

if CASE == "8bit" then
	hdrs = {
		{ "From", "\xff\xfe M\xe4llory \xc3\x28 <mallory@example.net>" },
		{ "To", "\xc0\xaf\xe0\x80\xaf <bob@example.org>" },
		{ "Subject", "=?utf-8?b?" .. garbage(8, 1) .. "?= \xed\xa0\x80\xf4\x90\x80\x80 " .. garbage(200, 7) },
		{ "Date", "\x80\x81\x82 Apr 2025 \xfe" },
		{ "Message-ID", "<\xf8\x88\x80\x80\x80@\xfc\x84\x80\x80\x80\x80>" },
		{ "Content-Type", "text/plain; charset=\"\xe9\xe8\"; boundary=\"\xc3\"" },
		{ "X-G\xe9rbage\xff", garbage(500, 3) },
		{ "X-Lone-Continuation", "\x80\xbf\x80\xbf tail \xc2" },
		{ "X-Control", "\x01\x02\x1b[31m\x7f\r text" },
	}
	body = "caf\xe9 \xc3\x28 " .. garbage(300, 5) .. "\r\n"
elseif CASE == "manyhdrs" then
	hdrs = {}
	for _, h in ipairs(base) do hdrs[#hdrs + 1] = h end
	for i = 1, 2000 - #base do
		hdrs[#hdrs + 1] = { "X-Filler-" .. i, "filler value number " .. i }
	end
elseif CASE == "nulbody" then
	local parts = {}
	for i = 1, 400 do
		parts[i] = "line " .. i .. " with \0 NUL \0\0 bytes " .. string.rep("\0", i % 50) .. "\r\n"
	end
	body = nil
	bodyfile = os.tmpname()
	local f = io.open(bodyfile, "wb")
	f:write("\0\0\0 starts with NULs\r\n", table.concat(parts), "\0")
	f:close()
elseif CASE == "longlines" then
	body = "short line\r\n" .. string.rep("A", 100 * 1024) .. "\r\n" ..
	       string.rep("word ", 14 * 1024) .. "\r\n" .. string.rep("z", 70 * 1024)
elseif CASE == "nobody" then
	body = nil
	bodyfile = "/dev/null" -- mt.bodyfile sends no chunk for an empty file
else
	fail("unknown CASE " .. tostring(CASE))
end

local conn = connect()
hello(conn)
envelope(conn, "<mallory@example.net>", { "<bob@example.org>" }, { qid = "BAD" .. CASE })
for _, h in ipairs(hdrs) do
	step(conn, "header " .. h[1], SMFIR_CONTINUE, mt.header, h[1], h[2])
end
step(conn, "eoh", SMFIR_CONTINUE, mt.eoh)
if bodyfile ~= nil then
	local ok, err = pcall(mt.bodyfile, conn, bodyfile)
	if bodyfile ~= "/dev/null" then os.remove(bodyfile) end
	if not ok or err ~= nil then fail("bodyfile: " .. tostring(err)) end
	-- an empty file leaves miltertest's last reply unset
	if bodyfile ~= "/dev/null" and mt.getreply(conn) ~= SMFIR_CONTINUE then
		fail("body: reply " .. tostring(mt.getreply(conn)))
	end
else
	local i = 1
	while i <= #body do
		step(conn, "body", SMFIR_CONTINUE, mt.bodystring, body:sub(i, i + 999))
		i = i + 1000
	end
end
local r = eom(conn)
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, CASE .. ": eom reply " .. tostring(r))
local st = header_value(conn, "X-Spam-Status")
expect(st:match("^No, score=") or st:match("^Yes, score="), CASE .. ": X-Spam-Status '" .. st .. "'")
mt.disconnect(conn)
print("ok " .. CASE .. ": " .. st:gsub("%s+", " "))
