# from: bob@example.org
# expect: keep
require "vacation";
vacation "away";
