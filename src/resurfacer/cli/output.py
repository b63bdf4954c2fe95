"""Atomic output for the CLI: a failed run leaves nothing half-written
(`resurfacer.common.files`, shared with the report writer)."""

from resurfacer.common.files import write_directory_atomically, write_file_atomically

__all__ = ["write_directory_atomically", "write_file_atomically"]
