-- bad-discard.lua: with spam_action=discard, GTUBE's end-of-message reply
-- is SMFIR_DISCARD (no headers, no quarantine); ham on the same
-- connection is still accepted with its headers.
dofile(DIR .. "/common.lua")
mt.set_timeout(30)
local conn = connect()
hello(conn)
local _, r = send_sample(conn, "gtube.eml", { "<user@example.org>" })
expect(r == SMFIR_DISCARD, "discard: eom reply '" .. string.char(r or 0) .. "', want 'd'")
expect(not added(conn, "X-Spam-Flag"), "discard: headers added to discarded mail")
expect(not mt.eom_check(conn, MT_QUARANTINE), "discard: quarantine requested")
local _, r2 = send_sample(conn, "ham.eml", { "<bob@example.org>" }, { qid = "QID2" })
expect(r2 == SMFIR_ACCEPT or r2 == SMFIR_CONTINUE, "discard: ham eom reply " .. tostring(r2))
expect(header_value(conn, "X-Spam-Status"):match("^No, score="), "discard: ham X-Spam-Status")
expect(added(conn, "X-Spam-Level"), "discard: ham without X-Spam-Level")
expect(not added(conn, "X-Spam-Flag"), "discard: X-Spam-Flag on ham")
mt.disconnect(conn)
print("ok discard")
