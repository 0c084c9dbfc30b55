"""One module per fault scenario; each ``run(stack, ...)`` returns a ``Result``."""
