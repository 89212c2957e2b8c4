"""Loading the reference tables (provinces, countries) from the CSV files shipped in `core/data/`."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def reference_load(province_model, country_model) -> None:
    """Insert or refresh every province and country (idempotent); models are passed so migrations can call it."""
    for row in read_rows("provinces.csv"):
        province_model.objects.update_or_create(code=row["code"], defaults=row)
    for row in read_rows("countries.csv"):
        country_model.objects.update_or_create(alpha2=row["alpha2"], defaults=row)
