"""Every path the coach uses, derived from one place that honours COACH_HOME."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "coach"


@dataclass(frozen=True)
class Paths:
    config_file: Path
    data_dir: Path

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def database(self) -> Path:
        return self.data_dir / "coach.db"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "coach.log"


def resolve_paths() -> Paths:
    """Paths from COACH_HOME, COACH_CONFIG and COACH_DATA_DIR, else the platform's user dirs."""
    for var in ("COACH_HOME", "COACH_DATA_DIR"):
        value = os.environ.get(var, "")
        if value and Path(value).expanduser().exists() and not Path(value).expanduser().is_dir():
            raise ConfigError(f"{var}={value}: is a file, not a folder — point {var} at a "
                              "folder (it is created when missing)")
    home = os.environ.get("COACH_HOME")
    if home:
        base = Path(home).expanduser()
        config_file = base / "config.toml"
        data_dir = base / "data"
    else:
        import platformdirs

        config_file = Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
        data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    if os.environ.get("COACH_CONFIG"):
        config_file = Path(os.environ["COACH_CONFIG"]).expanduser()
    if os.environ.get("COACH_DATA_DIR"):
        data_dir = Path(os.environ["COACH_DATA_DIR"]).expanduser()
    return Paths(config_file=config_file, data_dir=data_dir)


def knowledge_dir() -> Path:
    return Path(os.environ.get("COACH_KNOWLEDGE_DIR", REPO_ROOT / "knowledge"))


def prompts_dir() -> Path:
    return REPO_ROOT / "prompts"


def evals_dir() -> Path:
    return REPO_ROOT / "evals"
