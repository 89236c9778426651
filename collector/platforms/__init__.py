"""Platform adapters: the post itself (author, time, text, media, links) from each platform.

Entry points: `registry.adapter_for(url)` → `await adapter.fetch(url, client)` →
`media.download_all(result, client, config)` → `store.snapshot_rows(result, capture_id)`.
"""
