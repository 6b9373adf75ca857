"""Amazon SP-API payloads to canonical objects: pure functions, one module per domain
(`orders`, `catalog`, `people`) and their shared helpers (`common`)."""

# The mapping's version (PlatformSpec.mapping_version, recorded on every event):
#   1  issue 19: the first Amazon mapping, money as docs/money.md defines it
MAPPING_VERSION = "1"
