#!/bin/sh
# test-postfix.sh with the milter on a unix socket (no-reply steps).
WINNOW_MILTER_SOCKET=unix
export WINNOW_MILTER_SOCKET
exec sh "${top_srcdir:-.}/tests/integration/test-postfix.sh"
