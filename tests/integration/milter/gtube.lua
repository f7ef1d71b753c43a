-- gtube.lua: GTUBE gets X-Spam-Flag: YES and X-Spam-Status "Yes, ...".
-- With -D REPORT=1 (daemon run with add_report=yes) X-Spam-Report too.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)
local _, r = send_sample(conn, "gtube.eml", { "<user@example.org>" })
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "gtube: eom reply " .. tostring(r))
expect(header_value(conn, "X-Spam-Flag") == "YES", "gtube: X-Spam-Flag not YES")
local st = header_value(conn, "X-Spam-Status")
expect(st:match("^Yes, score=") and st:match("GTUBE"), "gtube: X-Spam-Status '" .. st .. "'")
expect(header_value(conn, "X-Spam-Level"):match("^%*+$"), "gtube: X-Spam-Level")
if REPORT then
	expect(header_value(conn, "X-Spam-Report"):match("GTUBE"), "gtube: X-Spam-Report")
end
mt.disconnect(conn)
print("ok gtube")
