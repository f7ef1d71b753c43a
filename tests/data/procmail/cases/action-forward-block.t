# Forwarding inside a block, with $VAR addresses; the last one delivers.
--- rc
FRIENDS="carol@example.net dave@example.net"
:0
* ^From:.*alice
{
  :0 c
  ! $FRIENDS
  :0
  ! archive@example.org
}
--- trace
redirect carol@example.net dave@example.net
redirect archive@example.org
