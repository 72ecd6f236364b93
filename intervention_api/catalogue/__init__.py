"""Catalogue files shipped with the service: the example programme the demo data loads."""

from pathlib import Path

EXAMPLE_CATALOGUE = Path(__file__).with_name("example_programme.yaml")
