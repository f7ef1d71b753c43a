# expect: vacation to alice@example.com
# expect: keep
# sent: Auto-Submitted: auto-replied
# sent: In-Reply-To: <hello.1@example.com>
# sent: Subject: Auto: Hello world
# sent: To: <alice@example.com>
# sent: From: bob@example.org
# sent: \n\nI am away until Monday.\n
require "vacation";
vacation "I am away until Monday.";
