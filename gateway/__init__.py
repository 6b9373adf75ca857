"""cartgraph gateway: app, config, store registry, CLI."""
