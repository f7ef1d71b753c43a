# message: auto.eml
# expect: keep
require "vacation";
vacation "away";
