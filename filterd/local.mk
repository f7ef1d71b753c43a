# filterd/: the scan pipeline, the shared daemon state and front-ends
# (milter, spamd), and the filterd daemon itself.
noinst_LIBRARIES += libwinnow-filterd.a
libwinnow_filterd_a_SOURCES = filterd/scan.c filterd/scan.h \
	filterd/scan_bayes.c filterd/scan_bayes.h \
	filterd/spamhdr.c filterd/spamhdr.h
libwinnow_filterd_a_SOURCES += filterd/milter.c filterd/milter.h
libwinnow_filterd_a_SOURCES += filterd/spamd.c filterd/spamd_parse.c filterd/spamd.h
libwinnow_filterd_a_SOURCES += filterd/daemon.c filterd/daemon.h filterd/daemon_int.h

include filterd/authres.mk

# built as filterd/filterd (a top-level "filterd" would be this directory)
sbin_PROGRAMS += filterd/filterd
filterd_filterd_SOURCES = filterd/main.c
filterd_filterd_LDADD = $(WN_LIBS_ALL) $(MILTER_LIBS)
