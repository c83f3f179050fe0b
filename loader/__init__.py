"""Build the nolsi knowledge graph: read -> validate -> store -> publish.

Each step is its own module; `loader.pipeline` runs them in that order and is the place to read
first.
"""
