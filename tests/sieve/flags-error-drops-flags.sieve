# crosscheck: no (runtime error: Pigeonhole reports it and keeps, without printing actions)
# expect: keep
# runtime-error: more than 10 redirects
require "imap4flags";
addflag "\\Seen";
redirect "a1@example.net"; redirect "a2@example.net"; redirect "a3@example.net";
redirect "a4@example.net"; redirect "a5@example.net"; redirect "a6@example.net";
redirect "a7@example.net"; redirect "a8@example.net"; redirect "a9@example.net";
redirect "a10@example.net"; redirect "a11@example.net";
