-- bad-quarantine.lua: with spam_action=quarantine, GTUBE is accepted with
-- the X-Spam-* headers and a quarantine request whose reason carries the
-- score; ham on the same connection is not quarantined.
dofile(DIR .. "/common.lua")
mt.set_timeout(30)
local conn = connect()
hello(conn)
local _, r = send_sample(conn, "gtube.eml", { "<user@example.org>" })
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "quarantine: eom reply " .. tostring(r))
expect(header_value(conn, "X-Spam-Flag") == "YES", "quarantine: X-Spam-Flag not YES")
local st = header_value(conn, "X-Spam-Status")
expect(st:match("^Yes, score="), "quarantine: X-Spam-Status '" .. st .. "'")
expect(added(conn, "X-Spam-Level"), "quarantine: no X-Spam-Level")
expect(mt.eom_check(conn, MT_QUARANTINE), "quarantine: no quarantine request")
local score = st:match("^Yes, score=(%-?[0-9.]+)")
expect(mt.eom_check(conn, MT_QUARANTINE, "winnow: score " .. score),
       "quarantine: reason is not 'winnow: score " .. score .. "'")
-- ham on the same connection: headers, no quarantine
local _, r2 = send_sample(conn, "ham.eml", { "<bob@example.org>" })
expect(r2 == SMFIR_ACCEPT or r2 == SMFIR_CONTINUE, "quarantine: ham eom reply " .. tostring(r2))
expect(header_value(conn, "X-Spam-Status"):match("^No, score="), "quarantine: ham X-Spam-Status")
expect(not mt.eom_check(conn, MT_QUARANTINE), "quarantine: ham quarantined")
mt.disconnect(conn)
print("ok quarantine")
