# message: list.eml
# to: bob@example.org
# expect: keep
require "vacation";
vacation "away";
