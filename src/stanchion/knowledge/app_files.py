"""Files an app's spec names (a model, a tokenizer): resolved inside the app folder only.

>>> from pathlib import Path
>>> outside(Path("/srv/app"), "../secrets.onnx")
True
"""

from __future__ import annotations

from pathlib import Path


def outside(app_dir: Path, name: str) -> bool:
    """Whether ``name`` resolves outside ``app_dir`` (``..``, an absolute path, a symlink)."""
    root = app_dir.resolve()
    return not (root / name).resolve().is_relative_to(root)


def app_file(app_dir: Path, name: str, suffix: str) -> Path | str:
    """The existing ``suffix`` file ``name`` names inside ``app_dir``, or why not."""
    if outside(app_dir, name):
        return f"{name!r} is outside the app folder"
    path = (app_dir.resolve() / name).resolve()
    if path.suffix != suffix or not path.is_file():
        return f"no {suffix} file at {name!r}"
    return path
