# crosscheck: no (sizes: Pigeonhole counts the message with CRLF line ends)
# expect: redirect notover@example.net
# expect: redirect notunder@example.net
if not size :over 488 { redirect "notover@example.net"; }
if not size :under 488 { redirect "notunder@example.net"; }
