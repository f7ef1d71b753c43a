# lib/ message model: headers, MIME, decoders, charsets, addresses, dates,
# Received. (Owned by the message model work; add files here.)
libwinnow_lib_a_SOURCES += lib/msg.h
