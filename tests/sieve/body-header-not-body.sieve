# expect: keep
require "body";
if body :contains "Hello world" { discard; }
