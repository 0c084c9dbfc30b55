"""Fuzzing the live API with schemathesis (``make fuzz``); a tool, not part of the product."""
