"""Writes: the commands and the `PlatformWriter` contract (`commands`), what every platform's
writer shares (`kit`), and the canonical objects inside outcomes (`results`)."""
