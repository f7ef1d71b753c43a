# DEFAULT=/dev/null discards what no recipe took.
--- rc
DEFAULT=/dev/null
--- trace
discard (DEFAULT)
