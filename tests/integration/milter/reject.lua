-- reject.lua: with reject_score set, GTUBE is rejected with the reply
-- given in -D CODE, XCODE, TEXT (the daemon's reject_reply).
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)
local _, r = send_sample(conn, "gtube.eml", { "<user@example.org>" })
expect(r == SMFIR_REPLYCODE, "reject: eom reply " .. tostring(r) .. ", want replycode")
-- miltertest compares the whole reply: code, enhanced code and text
expect(mt.eom_check(conn, MT_SMTPREPLY, CODE, XCODE, TEXT),
       "reject: reply is not '" .. CODE .. " " .. XCODE .. " " .. TEXT .. "'")
expect(not added(conn, "X-Spam-Flag"), "reject: headers added to rejected mail")
-- ham on the same connection still passes
local _, r2 = send_sample(conn, "ham.eml", { "<bob@example.org>" })
expect(r2 == SMFIR_ACCEPT or r2 == SMFIR_CONTINUE, "reject: ham reply " .. tostring(r2))
mt.disconnect(conn)
print("ok reject")
