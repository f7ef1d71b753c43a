-- big.lua: with scan_max_size=1k, a larger message passes unscanned with
-- X-Spam-Status "No, not scanned: ..." (GTUBE in it would otherwise be
-- spam); forged X-Spam-* fields are still removed.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)
local hdrs, body = split_message(read_file(SAMPLES .. "/gtube.eml"))
body = body .. string.rep("padding line to pass the size limit of the scan\r\n", 100)
local _, r = send_sample(conn, "gtube.eml", { "<user@example.org>" },
			 { body = body, extra = { { "X-Spam-Flag", "YES" } } })
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "big: eom reply " .. tostring(r))
local st = header_value(conn, "X-Spam-Status")
expect(st:match("^No, not scanned"), "big: X-Spam-Status '" .. st .. "'")
expect(not added(conn, "X-Spam-Flag"), "big: X-Spam-Flag added")
expect(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Flag"), "big: forged flag kept")
-- a small message on the same connection is scanned again
local _, r2 = send_sample(conn, "gtube.eml", { "<user@example.org>" })
expect(header_value(conn, "X-Spam-Flag") == "YES", "big: small message after not scanned")
mt.disconnect(conn)
print("ok big")
