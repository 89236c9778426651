"""archive.today, by lookup only: its TimeMap at `<base>/timemap/<url>`.

archive.today offers no API for automated submission and asks that none be made, so this
module only reads what it already holds.
"""

import httpx

from archive.vocabulary import WitnessService
from collector.witnesses.answer import WitnessAnswer
from collector.witnesses.memento import timemap


async def lookup(client: httpx.AsyncClient, base: str, url: str) -> WitnessAnswer:
    """The copies archive.today lists for `url`."""
    return await timemap(client, f"{base}/timemap", url, WitnessService.ARCHIVE_TODAY)
