"""The profile reference: every key, its default, environment variable, flags, precedence."""

from __future__ import annotations

from labtools.profile import KEYS, PLACES, PRECEDENCE, Key

#: the placeholders as they resolve on Linux with the XDG variables unset
LINUX_PLACES = {"user_data": "~/.local/share/labtools", "user_cache": "~/.cache/labtools"}


def shown_default(key: Key) -> str:
    """A key's default as the reference prints it (paths with their placeholder)."""
    if key.kind == "path":
        text = str(key.default)
        for place in PLACES:
            text = text.replace("{" + place + "}", f"<{place.replace('_', ' ')}>")
        return text
    if key.kind == "list":
        return "[" + ", ".join(f'"{v}"' for v in key.default) + "]"
    return f'"{key.default}"'


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_profile_reference() -> str:
    """Markdown: the precedence, then one table row per key, then the placeholders."""
    from labtools.profile_file import render_profile

    lines = [
        "Precedence, highest first: " + " > ".join(PRECEDENCE) + ".",
        "",
        "| key | default | environment variable | flag | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in KEYS:
        meaning = key.help + (f" One of: {', '.join(key.choices)}." if key.choices else "")
        env = f"`{key.env_var}`" + (" (comma-separated)" if key.kind == "list" else "")
        lines.append(
            f"| `{key.name}` | `{_cell(shown_default(key))}` | {env} | "
            f"{_cell(key.flags) or '-'} | {_cell(meaning)} |"
        )
    lines += ["", "Placeholders in the defaults:", ""]
    lines += [f"- `<{place.replace('_', ' ')}>`: {text}" for place, text in PLACES.items()]
    lines += ["", "`labtools profile init` writes this file (on a Linux machine):", "",
              "```toml", render_profile(user_file="~/.config/labtools/labtools.toml",
                                        places=LINUX_PLACES).rstrip(),
              "```", ""]
    return "\n".join(lines)
