-- bad-drop.lua: clients that go away in the middle of a message: after
-- the header fields and one body chunk (-D N times, alternately with a
-- QUIT and with an abrupt close), in the middle of the header block, and
-- right after end of headers. Then a new connection still gets a scan.
dofile(DIR .. "/common.lua")
mt.set_timeout(30)

local hdrs, body = split_message(read_file(SAMPLES .. "/ham.eml"))

local function partial(i, stage, polite)
	local conn = connect()
	hello(conn)
	envelope(conn, "<drop" .. i .. "@example.net>", { "<bob@example.org>" }, { qid = "DROP" .. i })
	if stage == "header" then
		step(conn, "header", SMFIR_CONTINUE, mt.header, hdrs[1][1], hdrs[1][2])
	else
		for _, h in ipairs(hdrs) do
			step(conn, "header " .. h[1], SMFIR_CONTINUE, mt.header, h[1], h[2])
		end
		step(conn, "eoh", SMFIR_CONTINUE, mt.eoh)
		if stage == "body" then
			step(conn, "body", SMFIR_CONTINUE, mt.bodystring, body:sub(1, 40))
		end
	end
	mt.disconnect(conn, polite)
end

for i = 1, tonumber(N or 4) do
	partial(i, "body", i % 2 == 1)
end
partial(101, "header", true)
partial(102, "header", false)
partial(103, "eoh", false)

local conn = connect()
hello(conn)
local _, r = send_sample(conn, "ham.eml", { "<bob@example.org>" }, { qid = "AFTERDROP" })
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "drop: eom reply after drops " .. tostring(r))
expect(header_value(conn, "X-Spam-Status"):match("^No, score="), "drop: X-Spam-Status after drops")
mt.disconnect(conn)
print("ok drop")
