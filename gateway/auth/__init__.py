"""Client authentication: API keys, optional JWT, scopes and the caller's principal."""
