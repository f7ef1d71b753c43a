-- early.lua: DNS questions go out as soon as their inputs are known
-- (test-net.sh): the client's DNSBL lookups at connect, the SPF record at
-- MAIL FROM. The client waits a second after connect and writes the time
-- to MARK.from, sends MAIL FROM and RCPT TO, waits a second again and
-- writes the time to MARK, then sends the message; the shell compares
-- the relay's log of queries with those times.
dofile(DIR .. "/common.lua")
local conn = connect()
hello(conn, "192.0.2.10")
os.execute("sleep 1")
os.execute("date +%s.%N > " .. MARK .. ".from")
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
