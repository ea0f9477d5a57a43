"""labtools: the lab's canonical environment procedures, as a library with a CLI over it.

Nothing heavy happens at import time: public names are resolved lazily, so
``import labtools`` and ``labtools --help`` stay fast.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing costs start-up time; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute"; extended by each subsystem.
_LAZY: dict[str, str] = {
    "export_spec": "labtools.spec.export:export_spec",
    "diff_specs": "labtools.spec.diff:diff_specs",
    "check_env": "labtools.spec.check:check_env",
    "minimize_env": "labtools.spec.minimize:minimize_env",
    "lock_env": "labtools.spec.locks:lock_env",
    "read_package_list": "labtools.spec.locks:read_package_list",
    "register_kernel": "labtools.kernels.register:register_kernel",
    "list_kernels": "labtools.kernels.registry:list_kernels",
    "check_kernels": "labtools.kernels.check:check_kernels",
    "verify_kernel": "labtools.kernels.verify:verify_kernel",
    "remove_kernel": "labtools.kernels.registry:remove_kernel",
    "assert_env": "labtools.guard:assert_env",
    "LabtoolsError": "labtools.errors:LabtoolsError",
    "inspect_env": "labtools.envs.inspect:inspect_env",
    "where_is": "labtools.envs.inspect:where_is",
    "create_env": "labtools.lifecycle:create_env",
    "list_envs": "labtools.envs.listing:list_envs",
    "remove_env": "labtools.envs.listing:remove_env",
    "derive_name": "labtools.envs.names:derive_name",
    "packages_of": "labtools.envs.packages:packages_of",
    "load_profile": "labtools.profile:load_profile",
    "init_profile": "labtools.profile_file:init_profile",
    "load_request": "labtools.spec.envfile:load_request",
    "init_channel": "labtools.channel:init_channel",
    "make_demo_channel": "labtools.demo_channel:make_demo_channel",
    "add_wheels": "labtools.channel:add_wheels",
    "add_python": "labtools.channel:add_python",
    "index_channel": "labtools.channel:index_channel",
    "serve_channel": "labtools.channel:serve_channel",
    "build_handbook": "labtools.handbook.site:build_handbook",
    "open_tunnel": "labtools.tunnel:open_tunnel",
    "start_tunnel": "labtools.tunnel:start_tunnel",
    "list_tunnels": "labtools.tunnel:list_tunnels",
    "close_tunnels": "labtools.tunnel:close_tunnels",
    "generate_key": "labtools.keys:generate_key",
    "write_server_config": "labtools.jupyter:write_server_config",
    "audit_config": "labtools.jupyter_audit:audit_config",
    "remote_jupyter": "labtools.remote:remote_jupyter",
    "run_doctor": "labtools.doctor:run_doctor",
    "update_env": "labtools.lifecycle:update_env",
    "take_snapshot": "labtools.envs.snapshots:take_snapshot",
    "list_snapshots": "labtools.envs.snapshots:list_snapshots",
    "restore_snapshot": "labtools.envs.update:rollback",
    "Prefix": "labtools.envs.prefix:Prefix",
    "get_backend": "labtools.envs.backends:get_backend",
    "benchmark": "labtools.pmbench.api:benchmark",
    "clean_caches": "labtools.clean:clean_caches",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'labtools' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
