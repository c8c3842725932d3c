"""The parent platform's column tree, source-column discovery and mapping rules."""
