"""Export package, id map, redirect plan, verification, shutdown and the command line."""
