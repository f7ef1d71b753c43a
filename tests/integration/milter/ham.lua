-- ham.lua: the sample ham gets X-Spam-Status "No, score=..." and
-- X-Spam-Level, no X-Spam-Flag; a second message on the same
-- connection (after an aborted one) is scanned the same way.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)

local function check_ham(what)
	local _, r = send_sample(conn, "ham.eml", { "<bob@example.org>" })
	expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, what .. ": eom reply " .. tostring(r))
	local st = header_value(conn, "X-Spam-Status")
	expect(st:match("^No, score=%-?[0-9.]+ required=5%.0 "), what .. ": X-Spam-Status '" .. st .. "'")
	expect(added(conn, "X-Spam-Level"), what .. ": no X-Spam-Level")
	expect(header_value(conn, "X-Spam-Checker-Version"):match("^Winnow "), what .. ": checker")
	expect(not added(conn, "X-Spam-Flag"), what .. ": X-Spam-Flag on ham")
end

check_ham("ham")
-- an aborted transaction, then another message on the same connection
envelope(conn, "<x@example.net>", { "<bob@example.org>" })
step(conn, "header", SMFIR_CONTINUE, mt.header, "Subject", "aborted")
expect(mt.abort(conn) == nil, "abort")
check_ham("ham after abort")
mt.disconnect(conn)
print("ok ham")
