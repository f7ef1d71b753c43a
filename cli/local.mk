# cli/: the winnow command.
