# lib/ HTML rendering and URI extraction.
libwinnow_lib_a_SOURCES += lib/html.h lib/uri.h
