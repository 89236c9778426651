"""Paths of the extraction fixtures (copies under tests/fixtures, so /work/shared is not needed)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NEWS = FIXTURES / "news-articles-embedding-tweets"
PEER = FIXTURES / "peer-suite-tweetfinder"
SEEDS = FIXTURES / "seeds"
