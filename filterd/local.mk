# filterd/: the scan pipeline and (later) the daemon.
noinst_LIBRARIES += libwinnow-filterd.a
libwinnow_filterd_a_SOURCES = filterd/scan.c filterd/scan.h
