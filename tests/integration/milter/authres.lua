-- authres.lua: an incoming Authentication-Results field claiming our
-- authserv-id (the daemon runs with authserv_id=mx.winnow.test) is
-- deleted as forged; one from another host is kept (RFC 8601 5).
dofile(DIR .. "/common.lua")

local function one(ar, want_deleted, what)
	local conn = connect()
	hello(conn)
	local extra = { { "Authentication-Results", ar } }
	local _, r = send_sample(conn, "ham.eml", { "<bob@example.org>" }, { extra = extra })
	expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, what .. ": eom reply " .. tostring(r))
	local deleted = mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results")
	expect(deleted == want_deleted, what .. ": deleted=" .. tostring(deleted))
	mt.disconnect(conn)
end

one(" (forged) MX.Winnow.Test; spf=pass smtp.mailfrom=ceo@example.org", true, "ours")
one("other.example.net; spf=fail smtp.mailfrom=x@example.org", false, "other host's")
one("mx.winnow.test.evil.example; dkim=pass", false, "longer name")
print("ok authres")
