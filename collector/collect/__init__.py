"""The one-command job: read an article, create targets, capture them, seal the results."""
