"""Settings refuse to run production with a missing or published secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from survey.config import DEVELOPMENT_SECRET, Mode, Settings

GOOD_SECRET = "k" * 40


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET, "short"])
def test_production_refuses_missing_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="PINGYI_SECRET_KEY"):
        Settings(mode=Mode.production, secret_key=secret)


def test_production_is_the_default_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PINGYI_MODE", raising=False)
    monkeypatch.delenv("PINGYI_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="PINGYI_SECRET_KEY"):
        Settings()


@pytest.mark.parametrize("mode", [Mode.development, Mode.demo])
def test_development_and_demo_fall_back_to_the_development_secret(mode: Mode) -> None:
    assert Settings(mode=mode, secret_key="").secret_key == DEVELOPMENT_SECRET


def test_environment_variables_use_the_pingyi_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINGYI_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("PINGYI_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("PINGYI_PUBLIC_BASE_URL", "https://pingyi.example.gov.cn/")
    settings = Settings()
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.public_base_url == "https://pingyi.example.gov.cn"
    assert settings.secure_cookies


def test_default_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(secret_key=GOOD_SECRET, data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'pingyi.db'}"
    assert settings.default_language == "zh-CN"


def test_unknown_default_language_is_refused() -> None:
    with pytest.raises(ValidationError, match="PINGYI_DEFAULT_LANGUAGE"):
        Settings(secret_key=GOOD_SECRET, default_language="fr")
