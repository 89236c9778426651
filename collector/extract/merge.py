"""One citation per distinct target: repeated mentions become occurrences of the first."""

from dataclasses import replace
from typing import Any

from archive.vocabulary import CitationKind
from collector.extract.model import Citation, Occurrence
from collector.sites import twitter
from collector.sites.keys import KEY_FIELDS, target_key
from collector.sites.model import UrlInfo

MAX_CONTEXT = 400


def citation_key(citation: Citation) -> str:
    """The identity used for deduplication: the archive's target key."""
    return target_key({name: getattr(citation, name) for name in KEY_FIELDS})


def _link_entry(info: UrlInfo, raw: str) -> dict[str, Any]:
    return {"url": info.canonical_url, "raw": raw, "kind": info.kind, "platform": info.platform}


class CitationSet:
    """Collects citations in order of first appearance and merges duplicates."""

    def __init__(self) -> None:
        self._by_key: dict[str, Citation] = {}
        self._link_urls: dict[int, set[str]] = {}  # id of a held citation -> its links' URLs
        self._position = 0

    def __len__(self) -> int:
        return len(self._by_key)

    def citations(self) -> list[Citation]:
        """The merged citations, in order of first appearance."""
        return list(self._by_key.values())

    def add(self, citation: Citation, raw: str, context: str, via: str) -> Citation:
        """Add `citation` (or merge it into the one with the same key) with one occurrence."""
        key = citation_key(citation)
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = citation
        else:
            _fill(found, citation)
            self._add_links(found, citation.links)
        occurrence = Occurrence(raw=raw, context=_clip(context), via=via, position=self._position)
        self._position += 1
        found.occurrences.append(occurrence)
        return found

    def add_url(self, info: UrlInfo, raw: str, context: str, via: str) -> Citation:
        """Add the citation a classified URL names."""
        citation = Citation(
            kind=info.kind,
            platform=info.platform,
            url=info.canonical_url,
            post_id=info.post_id,
            author_handle=info.handle,
        )
        return self.add(citation, raw, context, via)

    def attach(self, citation: Citation, info: UrlInfo, raw: str) -> None:
        """Attach a link found inside a cited post (its t.co, pic.twitter.com, ...)."""
        if info.canonical_url:
            self._add_links(citation, [_link_entry(info, raw)])

    def _add_links(self, citation: Citation, links: list[dict[str, Any]]) -> None:
        """Append the `links` whose URL `citation` does not have yet (a set lookup each)."""
        urls = self._link_urls.get(id(citation))
        if urls is None:
            urls = self._link_urls[id(citation)] = {link["url"] for link in citation.links}
        for link in links:
            if link["url"] not in urls:
                urls.add(link["url"])
                citation.links.append(link)


def _fill(target: Citation, other: Citation) -> None:
    """Complete `target` with what `other` knows and `target` does not."""
    for name in ("author_handle", "author_name", "posted_at", "text"):
        if getattr(target, name) is None and getattr(other, name) is not None:
            setattr(target, name, getattr(other, name))
    if target.platform == twitter.NAME and target.kind == CitationKind.POST and target.post_id:
        target.url = twitter.post_url(target.author_handle, target.post_id)
    elif target.url is None:
        target.url = other.url


def _clip(context: str) -> str:
    text = " ".join(context.split())
    return text if len(text) <= MAX_CONTEXT else text[: MAX_CONTEXT - 1] + "…"


def merge_into(out: CitationSet, citations: list[Citation], via_suffix: str) -> None:
    """Add already-extracted citations (e.g. from a rendered DOM) to `out`, occurrence by
    occurrence, marking each occurrence's `via` with `via_suffix`."""
    for citation in citations:
        occurrences = citation.occurrences
        for i, occurrence in enumerate(occurrences):
            copy = replace(citation, occurrences=[]) if i == 0 else citation
            via = f"{occurrence.via}{via_suffix}"
            out.add(copy, occurrence.raw, occurrence.context, via)
