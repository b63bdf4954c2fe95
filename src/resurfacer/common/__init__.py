"""Facts every stage shares: units, vocabularies, atomic file writing and the
model fingerprint that caches key on. Nothing here imports a model."""
