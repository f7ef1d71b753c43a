# error: err-regex-bad.sieve:3:4: header: bad regex "(unclosed": missing closing parenthesis at offset 9
require "regex";
if header :regex "Subject" "(unclosed" { keep; }
