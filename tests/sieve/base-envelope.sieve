# expect: redirect e1@example.net
# expect: redirect e2@example.net
require "envelope";
if envelope :is "from" "alice@example.com" { redirect "e1@example.net"; }
if envelope :domain :is "to" "example.org" { redirect "e2@example.net"; }
if envelope :localpart :is "to" "nobody" { discard; }
