# from: MAILER-DAEMON@example.com
# expect: keep
require "vacation";
vacation "away";
