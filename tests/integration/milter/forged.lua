-- forged.lua: incoming X-Spam-* fields on ham are deleted (both
-- occurrences of X-Spam-Flag), and ours are added.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)
local extra = { { "X-Spam-Flag", "YES" }, { "X-Spam-Status", "Yes, score=99.0 required=5.0" },
		{ "x-spam-flag", "YES" } }
local _, r = send_sample(conn, "ham.eml", { "<bob@example.org>" }, { extra = extra })
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "forged: eom reply " .. tostring(r))
expect(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Flag") or mt.eom_check(conn, MT_HDRDELETE, "x-spam-flag"),
       "forged: X-Spam-Flag not deleted")
expect(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Status"), "forged: X-Spam-Status not deleted")
expect(not added(conn, "X-Spam-Flag"), "forged: X-Spam-Flag added on ham")
expect(header_value(conn, "X-Spam-Status"):match("^No, score="), "forged: no ham X-Spam-Status")
mt.disconnect(conn)
print("ok forged")
