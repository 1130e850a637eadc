"""The Pulumi mocks the aws tests run the program under; they live in `aidc.mocks`, which
`aidc check` uses too. Re-exported here so tests import them from one familiar place."""

from aidc.mocks import (
    INSTANCE,
    S3_PREFIX_LIST,
    UBUNTU_AMI,
    RecordingMocks,
    RecordingMonitor,
    Registered,
    Run,
    fake_private_ip,
    fake_public_ip,
    fake_state,
    reset_runtime,
    run_cluster,
    run_program,
    tags_of,
)

__all__ = [
    "INSTANCE",
    "S3_PREFIX_LIST",
    "UBUNTU_AMI",
    "RecordingMocks",
    "RecordingMonitor",
    "Registered",
    "Run",
    "fake_private_ip",
    "fake_public_ip",
    "fake_state",
    "reset_runtime",
    "run_cluster",
    "run_program",
    "tags_of",
]
