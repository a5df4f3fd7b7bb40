"""One module per analysis; `registry` builds and holds them."""
