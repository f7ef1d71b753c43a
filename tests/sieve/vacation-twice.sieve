# crosscheck: no
# expect: keep
# runtime-error: vacation: used more than once
require "vacation";
vacation "a";
vacation :handle "2" "b";
