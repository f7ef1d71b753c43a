# to: bob+lists@example.org
# expect: vacation to alice@example.com
# expect: keep
require "vacation";
vacation "away";
