"""Independent witnesses: what other archives hold of a target, and copies made on request.

One module per service, each speaking its documented format over an `httpx.AsyncClient` the
caller opens (in `collect`, the guarded client, so the same proxy and network rules hold):
`wayback` (Availability, CDX, snapshot URLs, Save Page Now 2), `memento` (RFC 7089 TimeMaps in
link format, from an aggregator), `archive_today` (lookup through its TimeMap only: it is never
submitted to). `ask` runs them under one time limit each and turns every failure into a
`WitnessAnswer` with the error, so a witness never fails a capture. Base URLs come from the
`[witness]` settings (`archive.witness_settings`).
"""
