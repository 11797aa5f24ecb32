"""Demo data for clues (filled in below)."""


def demo_build(*, seed: int, actor: str) -> str:
    return "clues: nothing yet"
