# filterd/: the scan pipeline, the shared daemon state and front-ends
# (milter, spamd), and the filterd daemon itself.
noinst_LIBRARIES += libwinnow-filterd.a
libwinnow_filterd_a_SOURCES = filterd/scan.c filterd/scan.h \
	filterd/scan_bayes.c filterd/scan_bayes.h \
	filterd/scan_net.c filterd/scan_net.h \
	filterd/scan_awl.c filterd/scan_awl.h \
	filterd/spamhdr.c filterd/spamhdr.h
libwinnow_filterd_a_SOURCES += filterd/milter.c filterd/milter.h
libwinnow_filterd_a_SOURCES += filterd/spamd.c filterd/spamd_parse.c filterd/spamd.h
libwinnow_filterd_a_SOURCES += filterd/daemon.c filterd/daemon.h filterd/daemon_int.h

include filterd/authres.mk

# The network step end to end against a real DNS server (SPF, DKIM,
# DNSBL, URIBL, budget).
TESTS += tests/integration/test-net.sh
EXTRA_DIST += tests/integration/test-net.sh tests/integration/test-net.py tests/data/net

# built as filterd/filterd (a top-level "filterd" would be this directory)
sbin_PROGRAMS += filterd/filterd
filterd_filterd_SOURCES = filterd/main.c
filterd_filterd_LDADD = $(WN_LIBS_ALL) $(MILTER_LIBS)
include filterd/spf.mk
include filterd/dkim.mk
include filterd/dnsbl.mk
include filterd/awl.mk
include filterd/arc.mk
include filterd/dmarc.mk
include filterd/dkimsign.mk
include filterd/av.mk
include filterd/clamd.mk
include filterd/attach.mk
include filterd/quarantine.mk
include filterd/quardigest.mk
