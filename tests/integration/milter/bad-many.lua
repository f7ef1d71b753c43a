-- bad-many.lua: one of several clients run at once (-D ID=n): five
-- messages on one connection, ham and GTUBE in turn, each with the right
-- headers.
dofile(DIR .. "/common.lua")
mt.set_timeout(60)
local conn = connect()
hello(conn, "127.0.0." .. (10 + tonumber(ID or 0)))
for i = 1, 5 do
	local spam = i % 2 == 0
	local what = "client " .. tostring(ID) .. " message " .. i
	local _, r = send_sample(conn, spam and "gtube.eml" or "ham.eml", { "<bob@example.org>" },
				 { qid = "C" .. tostring(ID) .. "M" .. i })
	expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, what .. ": eom reply " .. tostring(r))
	local st = header_value(conn, "X-Spam-Status")
	if spam then
		expect(st:match("^Yes, score=") and header_value(conn, "X-Spam-Flag") == "YES",
		       what .. ": GTUBE X-Spam-Status '" .. st .. "'")
	else
		expect(st:match("^No, score=") and not added(conn, "X-Spam-Flag"),
		       what .. ": ham X-Spam-Status '" .. st .. "'")
	end
end
mt.disconnect(conn)
print("ok many " .. tostring(ID))
