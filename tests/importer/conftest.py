"""The seeds live beside the repository (../shared/seeds), as CI lays them out."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
DOCUMENTS = Path(__file__).resolve().parent / "documents"
