"""Executing code cells, once per distinct code, with a content-addressed cache."""
