-- wait.lua: exits 0 once the milter at SOCK accepts a connection.
local conn = mt.connect(SOCK, 1, 0.05)
if conn == nil then os.exit(1) end
mt.disconnect(conn)
