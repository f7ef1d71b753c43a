# expect: discard
if anyof (false, header :is "X-Priority" "3") { discard; }
