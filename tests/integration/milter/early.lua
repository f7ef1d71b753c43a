-- early.lua: the envelope's DNS questions go out at MAIL FROM, before
-- the message has come (test-net.sh). The client waits a second after
-- RCPT TO, writes the time to MARK, then sends the message; the shell
-- compares the relay's log of queries with that time.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn, "192.0.2.10")
envelope(conn, "<alice@net.test>", { "<bob@example.org>" })
os.execute("sleep 1")
os.execute("date +%s.%N > " .. MARK)
local hdrs, body = split_message(read_file(MSG))
local r = content(conn, hdrs, body)
expect(r == SMFIR_CONTINUE, "eoh reply " .. tostring(r))
r = eom(conn)
expect(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "eom reply " .. tostring(r))
expect(header_value(conn, "Authentication-Results"):match("spf=pass"), "no spf=pass")
mt.disconnect(conn)
print("ok early")
