"""One module per pipeline stage: models in, models out. Only load reads input files; writing is the
pipeline's job (pipeline.py), at the edge."""
