"""One module per stage, in the order the pipeline runs them."""
