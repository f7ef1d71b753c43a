# lib/ HTML rendering and URI extraction.
libwinnow_lib_a_SOURCES +=
