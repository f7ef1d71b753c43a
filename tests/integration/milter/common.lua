-- common.lua - helpers shared by the miltertest scripts of test-milter.sh.
-- Globals from miltertest -D: SOCK (milter socket), DIR (this directory),
-- SAMPLES (etc/samples). miltertest prints nothing for a Lua error, so
-- every failure goes through fail(): a line on stderr, then exit 1.

function fail(msg)
	io.stderr:write("FAIL: " .. tostring(msg) .. "\n")
	os.exit(1)
end

function connect()
	local conn = mt.connect(SOCK, 40, 0.05)
	if conn == nil then fail("connect to " .. tostring(SOCK)) end
	return conn
end

-- One protocol step; a step the milter negotiated away is not an error.
-- want: the reply code expected, or nil for any.
function step(conn, what, want, fn, ...)
	local ok, err = pcall(fn, conn, ...)
	if not ok then
		if tostring(err):find("negotiated SMFIP_NO") then return end
		fail(what .. ": " .. tostring(err))
	end
	if err ~= nil then fail(what .. ": " .. tostring(err)) end
	local r = mt.getreply(conn)
	if want ~= nil and r ~= want then
		fail(what .. ": reply '" .. string.char(r) .. "', want '" .. string.char(want) .. "'")
	end
	return r
end

-- Connection-level steps, with the macros Postfix sends.
function hello(conn, ip)
	mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.test", "{daemon_name}", "mx")
	step(conn, "connect", SMFIR_CONTINUE, mt.conninfo, "client.example.test", ip or "127.0.0.1")
	step(conn, "helo", SMFIR_CONTINUE, mt.helo, "client.example.test")
end

-- MAIL FROM and RCPT TO; opts.auth sets {auth_authen}, opts.qid the queue id.
function envelope(conn, from, rcpts, opts)
	opts = opts or {}
	if opts.auth then
		mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "QID1", "{auth_authen}", opts.auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "QID1")
	end
	step(conn, "mail", SMFIR_CONTINUE, mt.mailfrom, from)
	for _, r in ipairs(rcpts) do
		step(conn, "rcpt " .. r, SMFIR_CONTINUE, mt.rcptto, r)
	end
end

function read_file(path)
	local f = io.open(path, "rb")
	if f == nil then fail("cannot open " .. path) end
	local s = f:read("a")
	f:close()
	return s
end

-- Splits a message into { {name, value}, ... } and the body (CRLF lines).
function split_message(text)
	text = text:gsub("\r\n", "\n")
	local head, body = text:match("^(.-)\n\n(.*)$")
	if head == nil then head, body = text, "" end
	local hdrs = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #hdrs > 0 then
			hdrs[#hdrs][2] = hdrs[#hdrs][2] .. "\n" .. line
		else
			local n, v = line:match("^([^:]+):[ \t]*(.*)$")
			if n == nil then fail("bad header line: " .. line) end
			hdrs[#hdrs + 1] = { n, v }
		end
	end
	return hdrs, (body:gsub("\n", "\r\n"))
end

-- Sends header fields (extra ones first), eoh and the body; returns the
-- eoh reply so callers can see an early accept. Body in 1000-byte chunks.
function content(conn, hdrs, body, extra)
	for _, h in ipairs(extra or {}) do
		step(conn, "header " .. h[1], SMFIR_CONTINUE, mt.header, h[1], h[2])
	end
	for _, h in ipairs(hdrs) do
		step(conn, "header " .. h[1], SMFIR_CONTINUE, mt.header, h[1], h[2])
	end
	local r = step(conn, "eoh", nil, mt.eoh)
	if r ~= SMFIR_CONTINUE then return r end
	local i = 1
	while i <= #body do
		step(conn, "body", SMFIR_CONTINUE, mt.bodystring, body:sub(i, i + 999))
		i = i + 1000
	end
	return r
end

-- End of message: the reply code.
function eom(conn)
	return step(conn, "eom", nil, mt.eom)
end

function added(conn, name)
	return mt.eom_check(conn, MT_HDRADD, name) or mt.eom_check(conn, MT_HDRINSERT, name)
end

-- A header filterd added, its value without the space after the colon:
-- miltertest offers SMFIP_HDR_LEADSPC, which filterd takes (so it can
-- keep the message byte for byte), and then filterd sends that space
-- itself as part of the value; exactly one must be there.
function header_value(conn, name)
	local v = mt.getheader(conn, name, 0)
	if v == nil then fail(name .. " not added") end
	if string.sub(v, 1, 1) ~= " " or string.sub(v, 2, 2) == " " then
		fail(name .. ": value '" .. v .. "' does not start with exactly one space")
	end
	return string.sub(v, 2)
end

function expect(cond, what)
	if not cond then fail(what) end
end

-- A whole message from a sample file to rcpts; returns eoh and eom replies.
function send_sample(conn, file, rcpts, opts)
	opts = opts or {}
	local hdrs, body = split_message(read_file(SAMPLES .. "/" .. file))
	envelope(conn, opts.from or "<sender@example.net>", rcpts, opts)
	local r = content(conn, hdrs, opts.body or body, opts.extra)
	if r ~= SMFIR_CONTINUE then return r, nil end
	return r, eom(conn)
end
