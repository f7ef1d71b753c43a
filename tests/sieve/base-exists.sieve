# expect: redirect c@example.net
if exists ["From", "X-Priority"] { redirect "c@example.net"; }
if exists ["From", "X-Missing"] { discard; }
