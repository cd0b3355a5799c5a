"""Publication of an evaluation: frozen inputs and results as versions with SHA-256 digests."""
