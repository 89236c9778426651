"""`evidence extract SOURCE`: find the posts and links an article cites, and store them."""

from typing import Annotated

import typer

from collector.cli.context import state


def register(app: typer.Typer) -> None:
    """Add `extract`."""

    @app.command("extract")
    def extract_command(
        ctx: typer.Context,
        source: Annotated[
            str, typer.Argument(metavar="SOURCE", help="An http(s) URL, a file, or - for stdin.")
        ],
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        render: Annotated[
            bool,
            typer.Option("--render", help="Also load the URL in Chromium and read the live DOM."),
        ] = False,
        proxy: Annotated[
            str | None, typer.Option(help="Fetch through http://host:port or socks5://host:port.")
        ] = None,
        timeout: Annotated[float, typer.Option(help="Fetch time limit in seconds.", min=1)] = 30.0,
        case: Annotated[str | None, typer.Option(help="File the source under this case.")] = None,
        allow_private: Annotated[
            bool,
            typer.Option("--allow-private", help="Allow loopback, private, link-local addresses."),
        ] = False,
    ) -> None:
        """Find every post, profile and link an article cites; store the source and citations."""
        from collector.capture.settings import CaptureSettings
        from collector.cli.output import print_json, print_table
        from collector.collect.extraction import extract_and_save

        archive = state(ctx).archive()
        network = CaptureSettings.from_sources(
            archive.settings.section("capture"), proxy=proxy, allow_private=allow_private or None
        )
        done = extract_and_save(archive, source, network, render=render, timeout=timeout, case=case)
        source_id, info, result = done.source_id, done.info, done.result
        summary = {
            "id": source_id,
            **info.to_dict(),
            "title": result.title,
            "media_type": result.media_type,
            "encoding": result.encoding,
            "warnings": result.warnings,
        }
        if json:
            print_json({"source": summary, "citations": [c.to_dict() for c in result.citations]})
            return
        rows = (
            [
                i,
                c.kind,
                c.platform,
                c.url or f"@{c.author_handle} {c.posted_at or ''} (signature)",
                c.post_id,
                len(c.occurrences),
            ]
            for i, c in enumerate(result.citations, start=1)
        )
        title = f"{source_id}: {result.title or info.location}"
        print_table(
            title, ["#", "kind", "platform", "url", "post id", "seen"], rows, empty="no citations"
        )
