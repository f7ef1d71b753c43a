# to: robert@example.org
# expect: keep
require "vacation";
vacation "away";
