# expect: redirect fwd@example.net
# expect: keep
require "copy";
redirect :copy "fwd@example.net";
