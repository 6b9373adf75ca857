"""cartgraph platform adapters: the contract, shared HTTP code and one package per platform."""
