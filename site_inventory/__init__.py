"""The inventory of sites, the workspace database, the crawler and the audit."""
