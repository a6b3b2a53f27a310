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
    saved = dict(os.environ)
    env = os.environ
    env.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if not env.get("AWS_ACCESS_KEY_ID") and not env.get("AWS_PROFILE"):
        env["AWS_ACCESS_KEY_ID"] = PLACEHOLDER_KEY_ID
        env["AWS_SECRET_ACCESS_KEY"] = "bedrockcache-offline-placeholder"
    if not env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        yield
    finally:
        for key in set(env) - set(saved):
            del env[key]
        for key, value in saved.items():
            if env.get(key) != value:
                env[key] = value
