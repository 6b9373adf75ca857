"""cartgraph GraphQL layer: Strawberry types, queries and per-request dataloaders."""
