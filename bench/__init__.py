"""Issue 7's benchmark of nolsi against Oxigraph server and rdflib-endpoint; run it with `make bench`."""
