# lib/: shared plumbing and the message model.
# Other fragments add their sources with libwinnow_lib_a_SOURCES +=
noinst_LIBRARIES += libwinnow-lib.a
libwinnow_lib_a_SOURCES = \
	lib/wn.c lib/wn.h \
	lib/arena.c lib/arena.h \
	lib/buf.c lib/buf.h \
	lib/log.c lib/log.h \
	lib/limits.h \
	lib/hits.c lib/hits.h \
	lib/cfg.c lib/cfg.h \
	lib/mailbox.c lib/mailbox.h \
	lib/opool.c lib/opool.h \
	lib/lines.c lib/lines.h

include lib/msg.mk
include lib/html.mk
include lib/dns.mk
include lib/psl.mk
include lib/smtpc.mk
