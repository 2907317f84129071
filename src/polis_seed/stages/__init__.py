"""One module per pipeline stage: models in, models out, no I/O except in load."""
