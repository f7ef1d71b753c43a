# mda/: winnow-mda, the delivery agent (issue 7). The library holds what
# the program and the tests share; each part adds itself from its own
# fragment (mda/*.mk) with one include line below.
noinst_LIBRARIES += libwinnow-mda.a
libwinnow_mda_a_SOURCES = mda/mda.h mda/mda_msg.c
include mda/procmail.mk
include mda/core.mk
include mda/sieve.mk
include mda/e2e.mk
