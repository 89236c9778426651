"""`evidence extract`: read a source (rendered on request), find what it cites and store the
source with its citations, without capturing anything. Targets are left to `collect`."""

from dataclasses import dataclass

from archive.archive import Archive
from collector.capture.settings import CaptureSettings
from collector.collect.fetch import fetch_source
from collector.collect.render import render_dom
from collector.extract import extract_source
from collector.extract.model import ExtractionResult
from collector.extract.source_info import SourceInfo, SourceKind
from collector.extract.store import save_extraction


@dataclass
class Extracted:
    """The stored source, what was read and what it cites."""

    source_id: str
    info: SourceInfo
    result: ExtractionResult


def extract_and_save(
    archive: Archive,
    location: str,
    network: CaptureSettings,
    *,
    render: bool = False,
    timeout: float = 30.0,
    case: str | None = None,
) -> Extracted:
    """Read `location` under the `network` rules (and render a URL in the capture engine when
    asked: a file or stdin has no live page), extract its citations and store them."""
    info = fetch_source(location, proxy=network.proxy, timeout=timeout, network=network)
    if render and info.kind == SourceKind.URL:
        page = info.final_url or info.location
        info.rendered_html = render_dom(page, network.with_overrides(timeout_s=timeout))
    result = extract_source(info)
    case_id = None
    if case:
        with archive.session() as session:
            case_id = archive.ensure_case(session, case).id
    return Extracted(save_extraction(archive, info, result, case_id), info, result)
