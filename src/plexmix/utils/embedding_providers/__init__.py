"""Embedding providers behind one interface; see :mod:`plexmix.utils.embeddings` for the facade."""
