"""Platform adapters: the post itself (author, time, text, media, links) from each platform.

Which URLs an adapter takes is its site module's (`collector.sites`), shared with the extractor.
Entry points: `registry.adapter_for(url)` → `await adapter.fetch(url, client)` →
`media.download_all(result, client, config)` → `store.snapshot_rows(result, capture_id)`.
"""
