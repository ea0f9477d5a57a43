"""JSON Schemas of every command's ``--json`` document, generated from the result types.

:data:`RESULTS` names, for each command, the type of what it prints: a result dataclass
(or the return type of the library function the command calls), or a TypedDict here
for the few commands that assemble a mapping. :func:`schema_for` turns a type into a
JSON Schema (draft 2020-12): dataclass fields (those not starting with ``_``, as
``to_jsonable`` writes them) are required and nothing else is allowed, so a renamed or
new field shows up as a schema change. The files live in ``docs/reference/schemas/v1``;
``python -m labtools.reference.schemas`` rewrites them after a deliberate change, and a
test fails while they differ from the code. Removing or renaming a field, or changing
its type, is a new version: bump :data:`labtools.cli._output.JSON_SCHEMA_VERSION`.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import importlib
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, Literal, NotRequired, TypedDict, Union, get_args, get_origin

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://labtools.invalid/schemas"  # a name, not a place: the files are in docs/


class EnvName(TypedDict):
    name: str
    specs: list[str]


class ChannelServing(TypedDict):
    channel: str
    url: str


class Completion(TypedDict):
    shell: str
    script: str
    install: str


class TunnelsClosed(TypedDict):
    closed: list[str]


class SshConfigBlock(TypedDict):
    host: str
    block: str


class HandbookServing(TypedDict):
    """One line of ``handbook serve --json``: the URL once, then each tutorial as it is done."""

    url: NotRequired[str]
    project: NotRequired[str]
    event: NotRequired[Literal["executed", "cached", "failed"]]
    tutorial: NotRequired[str]
    failure: NotRequired[str]


class PipSection(TypedDict):
    pip: list[str]


# functional form: NotRequired inside postponed (string) annotations is not seen in 3.11
EnvironmentYml = TypedDict("EnvironmentYml", {  # noqa: UP013 (see above)
    "name": NotRequired[str],
    "channels": list[str],
    "dependencies": list[str | PipSection],
    "prefix": NotRequired[str],
})
EnvironmentYml.__doc__ = "The environment.yml mapping (conda env export layout) as JSON."


#: command path (below ``labtools``) -> what its --json prints; "module:name" is a class,
#: or a function whose return annotation is the type; "module:Class.field" a field's type
RESULTS: dict[str, Any] = {
    "bench": "labtools.pmbench.api:benchmark",
    **{f"channel {c}": "labtools.channel:ChannelReport"
       for c in ("init", "add", "add-wheel", "add-python", "index")},
    "channel demo": "labtools.demo_channel:DemoChannel",
    "channel mirror": "labtools.channel.mirror:mirror_environment",
    "channel serve": ChannelServing,
    "clean": "clean",
    "completion": Completion,
    "doctor": "labtools.doctor:run_doctor",
    "env create": "labtools.lifecycle:create_env",
    "env install": "labtools.envs.change:install_packages",
    "env uninstall": "labtools.envs.change:remove_packages",
    "env inspect": "inspect",
    "env list": "labtools.envs.listing:list_envs",
    "env name": EnvName,
    "env remove": "labtools.envs.listing:remove_env",
    "env rollback": "labtools.envs.update:rollback",
    "env snapshots": "labtools.envs.snapshots:list_snapshots",
    "env update": "labtools.lifecycle:update_env",
    "handbook build": "labtools.handbook.site:build_handbook",
    "handbook new": "labtools.handbook.scaffold:new_handbook",
    "handbook serve": HandbookServing,
    "jupyter audit": "labtools.jupyter_audit:audit_config",
    "jupyter config": "labtools.jupyter:write_server_config",
    "jupyter remote": "labtools.slurm.results:RemoteResult",  # --slurm: job, list, cancel
    "kernel check": "kernel-check",
    "kernel list": "labtools.kernels.registry:list_kernels",
    "kernel register": "labtools.kernels.register:register_kernel",
    "kernel remove": "labtools.kernels.registry:remove_kernel",
    "kernel verify": "labtools.kernels.verify:verify_kernel",
    "profile init": "labtools.profile_file:ProfileFile",
    "profile show": "labtools.profile:Profile",
    "spec check": "labtools.spec.check:check_env",
    "spec diff": "labtools.spec.diff:diff_specs",
    "spec export": EnvironmentYml,
    "spec lock": "labtools.spec.locks:parse_explicit",
    "spec minimize": "labtools.spec.minimize:minimize_env",
    "tunnel close": TunnelsClosed,
    "tunnel keygen": "labtools.keys:generate_key",
    "tunnel list": "labtools.tunnel:list_tunnels",
    "tunnel open": "labtools.tunnel:Tunnel",
    "tunnel ssh-config": SshConfigBlock,
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {
        "type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "hint": {"type": ["string", "null"]}},
        "required": ["code", "message", "hint"],
        "additionalProperties": False,
    }},
    "required": ["error"],
    "additionalProperties": False,
}


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    owner, _, field = attr.partition(".")
    obj = getattr(obj, owner)
    if field:
        return _hints(obj)[field]
    if callable(obj) and not isinstance(obj, type):
        try:
            return typing.get_type_hints(obj)["return"]
        except NameError:  # a name imported only for type checking: look in labtools
            return typing.get_type_hints(obj, localns=_loaded_names())["return"]
    return obj


def _loaded_names() -> dict[str, Any]:
    """Every class defined in a loaded labtools module, by name."""
    found: dict[str, Any] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("labtools.") and module is not None:
            found.update({k: v for k, v in vars(module).items()
                          if isinstance(v, type) and v.__module__ == name})
    return found


def result_type(path: str) -> Any:
    """The type that ``labtools PATH --json`` prints."""
    spec = RESULTS[path]
    if spec == "inspect":
        from labtools.envs.inspect import EnvReport, ModuleLocation
        from labtools.envs.packages import PackageReport, WhyReport

        packages = _hints(PackageReport)["packages"]
        return _typed_dict("EnvInspect", {"env": EnvReport, "packages": packages,
                                          "warnings": list[str]},
                           optional={"module": ModuleLocation | WhyReport})
    if spec == "clean":  # the report's fields and its three totals
        from labtools.clean import CleanReport

        return _typed_dict("Clean", {"dry_run": bool, "size": int, "reclaimable": int,
                                     "freed": int, "caches": _hints(CleanReport)["caches"],
                                     "orphan_kernels": _hints(CleanReport)["orphan_kernels"]})
    if spec == "kernel-check":
        from labtools.kernels.check import CheckReport

        return _typed_dict("KernelCheck", {"ok": bool, **_hints(CheckReport)})
    return _load(spec) if isinstance(spec, str) else spec


def _typed_dict(name: str, fields: dict[str, Any], optional: dict[str, Any] | None = None
                ) -> Any:
    body = dict(fields) | {k: NotRequired[v] for k, v in (optional or {}).items()}
    return TypedDict(name, body)  # type: ignore[operator]


def _hints(cls: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except NameError:
        pass
    try:
        return typing.get_type_hints(cls, localns=_loaded_names())
    except NameError:  # still unknown: resolve field by field
        module = sys.modules[cls.__module__]
        found: dict[str, Any] = {}
        for name, text in getattr(cls, "__annotations__", {}).items():
            try:
                found[name] = eval(text, vars(module)) if isinstance(text, str) else text
            except Exception:
                found[name] = Any
        return found


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def schema(self, tp: Any) -> dict[str, Any]:
        origin, args = get_origin(tp), get_args(tp)
        if tp is Any or tp is object:
            return {}
        if tp is type(None) or tp is None:
            return {"type": "null"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is str:
            return {"type": "string"}
        if isinstance(tp, type) and issubclass(tp, PurePath):
            return {"type": "string", "description": "a path"}
        if isinstance(tp, type) and issubclass(tp, datetime.datetime | datetime.date):
            return {"type": "string", "format": "date-time" if tp is datetime.datetime
                    else "date"}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [m.value for m in tp]}
        if origin is Literal:
            return {"enum": list(args)}
        if origin is Union or isinstance(tp, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin in (NotRequired, typing.Annotated, typing.Required):
            return self.schema(args[0])
        if origin is tuple and args and args[-1] is not Ellipsis:
            return {"type": "array", "prefixItems": [self.schema(a) for a in args],
                    "minItems": len(args), "maxItems": len(args)}
        if origin in (list, tuple, set, frozenset) or (
                isinstance(origin, type) and issubclass(origin, Sequence)
                and origin is not str):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)):
            return {"type": "object",
                    "additionalProperties": self.schema(args[1]) if len(args) == 2 else {}}
        if tp in (list, tuple, set, frozenset):
            return {"type": "array"}
        if tp is dict:
            return {"type": "object"}
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return self._object(tp, [f.name for f in dataclasses.fields(tp)
                                     if not f.name.startswith("_")], required=None)
        if typing.is_typeddict(tp):
            return self._object(tp, list(_hints(tp)), required=set(tp.__required_keys__))
        return {}  # a type this generator does not know: accept any value

    def _object(self, tp: Any, names: list[str], required: set[str] | None) -> dict[str, Any]:
        name = tp.__name__
        if name not in self.defs:
            self.defs[name] = {}  # recursion guard
            hints = _hints(tp)
            body: dict[str, Any] = {
                "type": "object",
                "properties": {n: self.schema(hints.get(n, Any)) for n in names},
                "required": [n for n in names if required is None or n in required],
                "additionalProperties": False,
            }
            doc = (tp.__doc__ or "").strip().split("\n\n")[0]
            if doc and not doc.startswith(f"{name}("):
                body = {"description": " ".join(doc.split()), **body}
            self.defs[name] = body
        return {"$ref": f"#/$defs/{name}"}


def file_name(path: str) -> str:
    return path.replace(" ", "-") + ".json"


def schema_for(tp: Any, *, title: str = "", id_path: str = "") -> dict[str, Any]:
    """A standalone JSON Schema for values of type *tp*."""
    from labtools.cli._output import JSON_SCHEMA_VERSION

    builder = _Builder()
    root = builder.schema(tp)
    doc: dict[str, Any] = {"$schema": SCHEMA_DIALECT}
    if id_path:
        doc["$id"] = f"{ID_BASE}/v{JSON_SCHEMA_VERSION}/{id_path}"
    if title:
        doc["title"] = title
    doc.update(root)
    if builder.defs:
        doc["$defs"] = dict(sorted(builder.defs.items()))
    return doc


def command_schema(path: str) -> dict[str, Any]:
    return schema_for(result_type(path), title=f"labtools {path} --json",
                      id_path=file_name(path))


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema: one per command, plus ``error.json``."""
    from labtools.cli._output import JSON_SCHEMA_VERSION

    found = {file_name(path): command_schema(path) for path in sorted(RESULTS)}
    found["error.json"] = {"$schema": SCHEMA_DIALECT,
                           "$id": f"{ID_BASE}/v{JSON_SCHEMA_VERSION}/error.json",
                           "title": "labtools ... --json, on failure", **ERROR_SCHEMA}
    return found


def schema_dir(root: Path) -> Path:
    from labtools.cli._output import JSON_SCHEMA_VERSION

    return root / "docs" / "reference" / "schemas" / f"v{JSON_SCHEMA_VERSION}"


def dumps(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


def write_schemas(root: Path) -> list[Path]:
    """Rewrite the schema files under *root* (the project); returns the files written."""
    target = schema_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    wanted = all_schemas()
    for stale in target.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, schema in wanted.items():
        path = target / name
        if not path.exists() or path.read_text(encoding="utf-8") != dumps(schema):
            path.write_text(dumps(schema), encoding="utf-8")
            written.append(path)
    return written


def render_schema_table() -> str:
    """Markdown: each command and a link to its schema file (for docs/reference/json.md)."""
    from labtools.cli._output import JSON_SCHEMA_VERSION

    lines = ["| command | schema |", "| --- | --- |"]
    for path in sorted(RESULTS):
        name = file_name(path)
        lines.append(f"| `labtools {path} --json` | "
                     f"[`{name}`](schemas/v{JSON_SCHEMA_VERSION}/{name}) |")
    lines.append(f"| any command, on failure | [`error.json`](schemas/v{JSON_SCHEMA_VERSION}/"
                 "error.json) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    project = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for path in write_schemas(project):
        print(f"wrote {path}")
