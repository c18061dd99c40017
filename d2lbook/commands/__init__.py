"""One module per verb: orchestration that returns result data (the CLI prints)."""
