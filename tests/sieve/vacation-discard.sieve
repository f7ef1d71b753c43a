# expect: vacation to alice@example.com
# expect: discard
require "vacation";
vacation "away";
discard;
