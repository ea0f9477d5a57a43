"""The handbook's settings: the ``labtools`` entry under ``plugins:`` in mkdocs.yml.

One schema (:data:`OPTIONS`) serves the mkdocs plugin and the CLI. The CLI reads
mkdocs.yml itself (:func:`load`), so a build where nothing changed never imports mkdocs.

```yaml
plugins:
  - search
  - labtools:
      notebooks: notebooks        # the tutorials folder, next to mkdocs.yml
      services: []                # sandbox services, "module:Class"
      watch: [src]                # paths whose change re-executes every tutorial
      kernels: {python3: lab-env} # run notebooks that name python3 on kernel lab-env
      jobs: 2
      cell_timeout: 300
      notebook_timeout: 900
      keep_going: false
```
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError
from labtools.handbook.stamp import digest

PLUGIN = "labtools"
TUTORIALS_URI = "tutorials"

#: option -> (type, default)
OPTIONS: dict[str, tuple[type, Any]] = {
    "notebooks": (str, "notebooks"),
    "services": (list, []),
    "watch": (list, []),
    "kernels": (dict, {}),
    "jobs": (int, 1),
    "cell_timeout": (float, 300.0),
    "notebook_timeout": (float, 900.0),
    "keep_going": (bool, False),
    "cache_dir": (str, "build/handbook"),
}


@dataclass(frozen=True)
class HandbookConfig:
    """Where a handbook's parts live and how its tutorials run."""

    project: Path  # the folder holding mkdocs.yml
    config_file: Path
    docs_dir: Path
    site_dir: Path
    notebooks: Path
    cache_dir: Path
    services: tuple[str, ...] = ()
    watch: tuple[Path, ...] = ()
    kernels: Mapping[str, str] = field(default_factory=dict)
    jobs: int = 1
    cell_timeout: float = 300.0
    notebook_timeout: float = 900.0
    keep_going: bool = False

    @property
    def executed(self) -> Path:
        """Executed notebooks with their stamps: the cache and the .ipynb downloads."""
        return self.cache_dir / "executed"

    @property
    def pages_root(self) -> Path:
        """A docs folder of generated pages, as mkdocs sees them (``tutorials/NAME.ipynb``)."""
        return self.cache_dir / "pages"

    @property
    def pages(self) -> Path:
        """The page version of each executed notebook (verify cells removed, stamp added)."""
        return self.pages_root / TUTORIALS_URI

    @property
    def failed(self) -> Path:
        """Partial outputs of tutorials that failed, to read cell by cell (JB #1943)."""
        return self.cache_dir / "failed"

    @property
    def sandbox(self) -> Path:
        """The sandbox's scratch folder: a short path of fixed length, whatever the checkout,
        so that tutorial outputs (and how tables wrap around paths) do not depend on it."""
        tag = digest([str(self.project)])[:8]
        return Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}" / f"hb-{tag}"

    def with_overrides(self, **changes: Any) -> HandbookConfig:
        """This config with CLI flags applied (``None`` values keep the file's setting)."""
        kept = {k: v for k, v in changes.items() if v is not None}
        if "kernels" in kept:
            kept["kernels"] = {**self.kernels, **kept["kernels"]}
        return replace(self, **kept)


def validate(options: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """*options* checked against :data:`OPTIONS`, defaults filled in."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(
            f"{origin}: unknown labtools option {unknown[0]!r}",
            hint=f"known options: {', '.join(OPTIONS)}",
        )
    checked: dict[str, Any] = {}
    for name, (kind, default) in OPTIONS.items():
        value = options.get(name, default)
        if value is None:
            value = default
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(
                f"{origin}: labtools option {name!r} must be a {kind.__name__}, "
                f"not {type(value).__name__}"
            )
        checked[name] = value
    if checked["jobs"] < 1:
        raise ConfigError(f"{origin}: labtools option 'jobs' must be at least 1")
    return checked


def from_options(
    options: Mapping[str, Any], *, config_file: Path, docs_dir: Path, site_dir: Path
) -> HandbookConfig:
    """A config from validated plugin *options* and mkdocs' own paths."""
    project = config_file.resolve().parent
    opts = validate(options, config_file.name)
    return HandbookConfig(
        project=project,
        config_file=config_file.resolve(),
        docs_dir=(project / docs_dir).resolve(),
        site_dir=(project / site_dir).resolve(),
        notebooks=(project / opts["notebooks"]).resolve(),
        cache_dir=(project / opts["cache_dir"]).resolve(),
        services=tuple(str(s) for s in opts["services"]),
        watch=tuple((project / str(w)).resolve() for w in opts["watch"]),
        kernels={str(k): str(v) for k, v in opts["kernels"].items()},
        jobs=opts["jobs"],
        cell_timeout=opts["cell_timeout"],
        notebook_timeout=opts["notebook_timeout"],
        keep_going=opts["keep_going"],
    )


def _read_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}",
                          hint="run from the project root or pass --project") from None
    try:
        # round-trip mode keeps tags mkdocs users write (!!python/name:..., !ENV) as data
        return YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path.name} is not valid YAML: {' '.join(str(exc).split())[:200]}"
                          ) from None


def plugin_options(data: Any, path: Path) -> dict[str, Any]:
    """The options of the ``labtools`` plugin in a parsed mkdocs.yml."""
    plugins = data.get("plugins", []) if isinstance(data, Mapping) else []
    entries: list[tuple[str, Any]] = []
    if isinstance(plugins, Mapping):
        entries = list(plugins.items())
    elif isinstance(plugins, list):
        for item in plugins:
            if isinstance(item, str):
                entries.append((item, {}))
            elif isinstance(item, Mapping):
                entries += list(item.items())
    for name, options in entries:
        if name == PLUGIN:
            return dict(options or {})
    raise ConfigError(
        f"{path.name} does not use the labtools plugin",
        hint="add `- labtools` under `plugins:` (see `labtools handbook new`)",
    )


def load(project: Path, *, site_dir: Path | None = None) -> HandbookConfig:
    """The handbook config of the project whose root holds mkdocs.yml."""
    config_file = (project / "mkdocs.yml").resolve()
    if not config_file.exists():
        raise ConfigError(
            f"no mkdocs.yml in {project.resolve()}",
            hint="run from the handbook's root, pass --project, or start one with "
            "`labtools handbook new DIR`",
        )
    data = _read_yaml(config_file)
    return from_options(
        plugin_options(data, config_file),
        config_file=config_file,
        docs_dir=Path(str(data.get("docs_dir", "docs"))),
        site_dir=site_dir if site_dir is not None else Path(str(data.get("site_dir", "site"))),
    )
