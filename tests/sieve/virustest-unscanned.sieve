# message: score.eml
# crosscheck: no (Pigeonhole's text mapping compares whole values; ours reads Winnow's "Unscanned (why)")
# expect: redirect v0@example.net
require "virustest";
if virustest :is "0" { redirect "v0@example.net"; }
if virustest :is "1" { discard; }
