"""Sites: what each platform's URLs mean, as pure data and rules (no network, no heavy imports).

One module per site declares a `Platform` (hosts, URL rules, canonical URLs, whether post ids
are global, whether its adapter's requests are recorded, URL examples). The extractor
(`collector.extract`) and the adapters' routing (`collector.platforms.registry`) both read it,
so a URL means the same thing to both. Entry points: `classify.classify_url(url)`,
`keys.target_key(citation)`, `registry.PLATFORMS`.
"""
