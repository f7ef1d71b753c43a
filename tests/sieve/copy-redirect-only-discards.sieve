# expect: redirect a@example.net
# expect: redirect b@example.net
require "copy";
redirect :copy "a@example.net";
redirect "b@example.net";
