"""A sandbox service for handbook tests, loaded by name like a lab's own services."""

from __future__ import annotations

from labtools.handbook.sandbox import Service

SECRET = "hunter2-the-lab-secret"


class SecretService(Service):
    """A service that generates a secret, as the SSH host does with its key."""

    name = "secret"

    def environ(self) -> dict[str, str]:
        return {"LAB_SECRET": SECRET}

    def secrets(self) -> set[str]:
        return {SECRET}
