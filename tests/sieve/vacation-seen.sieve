# seen: yes
# crosscheck: no
# expect: keep
require "vacation";
vacation "away";
