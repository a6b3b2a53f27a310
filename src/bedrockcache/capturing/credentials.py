"""Offline captures must run code that was written for a real AWS account.

Clients refuse to build or sign a request without a region and credentials, and botocore's
credential chain ends at the EC2 metadata service, a network call. For the duration of an offline
capture the environment gets placeholders where it has nothing, and the metadata lookup is off.
Nothing signed with the placeholders ever leaves the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PLACEHOLDER_KEY_ID", "offline"]

PLACEHOLDER_KEY_ID = "AKIABEDROCKCACHEOFFLINE"


@contextmanager
def offline() -> Iterator[None]:
    env = os.environ
    placed: dict[str, str] = {}
    if "AWS_EC2_METADATA_DISABLED" not in env:
        placed["AWS_EC2_METADATA_DISABLED"] = "true"
    if not env.get("AWS_ACCESS_KEY_ID") and not env.get("AWS_PROFILE"):
        placed["AWS_ACCESS_KEY_ID"] = PLACEHOLDER_KEY_ID
        placed["AWS_SECRET_ACCESS_KEY"] = "bedrockcache-offline-placeholder"
    if not env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
        placed["AWS_DEFAULT_REGION"] = "us-east-1"
    saved = {key: env.get(key) for key in placed}
    env.update(placed)
    try:
        yield
    finally:
        # Undo only our placeholders, and only where the program left them as we set them.
        for key, value in placed.items():
            if env.get(key) != value:
                continue
            if saved[key] is None:
                del env[key]
            else:
                env[key] = saved[key]  # type: ignore[assignment]
