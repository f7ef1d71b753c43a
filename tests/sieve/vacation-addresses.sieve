# to: robert@example.org
# expect: vacation to alice@example.com
# expect: keep
require "vacation";
vacation :addresses ["bob@example.org"] "away";
