-- skip.lua: mail only to postmaster@ (skip_rcpt) and mail from an
-- authenticated sender pass without a scan and without headers; mail to
-- postmaster and another recipient is scanned.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn)

local function skipped(what, rcpts, opts)
	local r1, r2 = send_sample(conn, "gtube.eml", rcpts, opts)
	if r1 == SMFIR_ACCEPT then return end -- accepted at end of headers
	expect(r2 == SMFIR_ACCEPT or r2 == SMFIR_CONTINUE, what .. ": eom reply " .. tostring(r2))
	expect(not added(conn), what .. ": headers added to skipped mail")
end

skipped("postmaster", { "<postmaster@example.org>", "<PostMaster@example.net>" })
skipped("auth", { "<user@example.org>" }, { auth = "alice" })
local r1, r2 = send_sample(conn, "gtube.eml", { "<postmaster@example.org>", "<user@example.org>" })
expect(r1 == SMFIR_CONTINUE, "mixed recipients skipped at eoh")
expect(header_value(conn, "X-Spam-Flag") == "YES", "mixed recipients: not scanned")
mt.disconnect(conn)
print("ok skip")
