"""The app spec: every problem is one line naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stanchion.cli.main import cli
from stanchion.errors import SpecError
from stanchion.spec import load_spec

GOOD = """\
app: demo
goal:
  statement: answer questions
owners:
  business: a@example.com
models:
  default: main
  routes:
    - name: main
      provider: local
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "stanchion.yaml").write_text(text)
    return tmp_path / "stanchion.yaml"


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, text))
    return info.value.errors


def test_good_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.app == "demo" and spec.models.routes[0].provider == "local"


def test_wrong_type_names_line_and_field(tmp_path: Path) -> None:
    text = GOOD + "      timeout: -3\n"
    (err,) = errors(tmp_path, text)
    assert err.startswith(f"{tmp_path / 'stanchion.yaml'}:11: models.routes.0.timeout:")


def test_inline_secret_is_refused(tmp_path: Path) -> None:
    (err,) = errors(tmp_path, GOOD + "      api_key: sk-live-123\n")
    assert ":11: models.routes.0.api_key: unknown field" in err and "env" in err


def test_credentials_in_url_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        "provider: local", "provider: openai\n      base_url: https://u:p@x.example/v1"
    )
    (err,) = errors(tmp_path, text)
    assert "base_url" in err and "credentials" in err and ":11:" in err


def test_several_errors_one_line_each(tmp_path: Path) -> None:
    text = GOOD.replace("default: main", "default: missing").replace(
        "app: demo", "app: 'bad name!'"
    )
    errs = errors(tmp_path, text)
    assert len(errs) == 2
    assert any(":1: app:" in e for e in errs)
    assert any(":6: models:" in e and "default route 'missing'" in e for e in errs)


def test_missing_section_and_bad_yaml(tmp_path: Path) -> None:
    (err,) = errors(tmp_path, GOOD.replace("owners:\n  business: a@example.com\n", ""))
    assert "owners: Field required" in err
    (err,) = errors(tmp_path, "app: [unclosed\n")
    assert "invalid YAML" in err


def test_unknown_fallback_and_prompt_file(tmp_path: Path) -> None:
    (err,) = errors(tmp_path, GOOD + "      fallbacks: [ghost]\n")
    assert "unknown route 'ghost'" in err
    (err,) = errors(tmp_path, GOOD + "prompts:\n  system:\n    file: nope.md\n")
    assert ":13: prompts.system.file: no such file" in err


def test_cli_spec_check(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    ok = CliRunner().invoke(cli, ["spec", "check", "--app", str(tmp_path)])
    assert ok.exit_code == 0 and "ok: app 'demo'" in ok.output
    write(tmp_path, GOOD + "      timeout: 0\n")
    bad = CliRunner().invoke(cli, ["spec", "check", "--app", str(tmp_path)])
    assert bad.exit_code == 2
    lines = bad.output.strip().splitlines()
    assert len(lines) == 1 and ":11: models.routes.0.timeout" in lines[0]


def test_example_app_spec_is_valid() -> None:
    spec = load_spec(Path(__file__).parents[2] / "examples" / "support-assistant")
    assert spec.app == "support-assistant" and spec.human_cost is not None
