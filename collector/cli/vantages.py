"""What `capture`, `collect` and `show` share about second vantage points: the repeatable
`--vantage PROXY` option and the table of vantage comparisons."""

from typing import Annotated, Any

import typer

VantageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--vantage",
        metavar="PROXY",
        help="Capture again through this http:// or socks5:// proxy and compare (repeatable).",
    ),
]


def print_vantages(rows: list[dict[str, Any]]) -> None:
    """Vantage captures (`vantage_rows`): which capture each corroborates, and the findings."""
    from collector.cli.output import print_table

    columns = ["corroborates", "proxy", "exit_ip", "capture_id", "status", "agrees", "post_agrees"]
    columns += ["server_html_equal", "screenshot_phash_distance", "reason"]
    print_table("Vantage comparisons", columns, ([row[c] for c in columns] for row in rows))
