#!/usr/bin/python
"""Directories of a CephFS with their quotas, set through libcephfs (no mount needed)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cephfs_dirs
short_description: Directories of a CephFS, their mode and their byte quota
description:
  - Creates each directory (and its parents) in the named file system when missing, gives it the
    declared mode, and makes its C(ceph.quota.max_bytes) equal to the declared quota (0 removes
    the quota).
  - Talks to the cluster through libcephfs's Python binding with a client key that may set
    quotas (the admin key), so the host needs no mount. Reads before it writes, so a second run
    reports no change; honours check mode.
options:
  fs_name: {type: str, required: true, description: The file system's name.}
  client_id: {type: str, default: admin, description: Ceph client id (without client.).}
  conf: {type: path, default: /etc/ceph/ceph.conf, description: ceph.conf to read.}
  directories:
    type: list
    elements: dict
    required: true
    description: Items with path (relative to the file system's root), max_bytes and mode.
requirements: [python3-cephfs]
"""

RETURN = r"""
directories:
  description: Each directory with its mode and quota after the run.
  type: list
  returned: always
"""

from typing import Any  # noqa: E402 - Ansible modules carry DOCUMENTATION first

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

try:
    import cephfs
except ImportError:  # pragma: no cover - reported by the module
    cephfs = None

_QUOTA = "ceph.quota.max_bytes"


def _quota(fs: Any, path: bytes) -> int:
    try:
        return int(fs.getxattr(path, _QUOTA).decode() or 0)
    except getattr(cephfs, "NoData", cephfs.Error):  # no quota set: ENODATA
        return 0


def _ensure(fs: Any, item: dict[str, Any], check: bool) -> tuple[bool, dict[str, Any]]:
    rel = str(item["path"]).strip("/")
    if not rel or ".." in rel.split("/"):
        raise ValueError(f"path {item['path']!r} must name a directory below the root")
    path = ("/" + rel).encode()
    want_bytes = int(item.get("max_bytes") or 0)
    want_mode = int(str(item.get("mode") or "0755"), 8)
    changed = False
    try:
        st = fs.stat(path)
        exists = True
    except cephfs.ObjectNotFound:
        exists = False
    if not exists:
        changed = True
        if not check:
            fs.mkdirs(path, want_mode)
            st = fs.stat(path)
    if exists or not check:
        if st.st_mode & 0o7777 != want_mode:
            changed = True
            if not check:
                fs.chmod(path, want_mode)
        if _quota(fs, path) != want_bytes:
            changed = True
            if not check:
                fs.setxattr(path, _QUOTA, str(want_bytes).encode(), 0)
    return changed, {"path": rel, "max_bytes": want_bytes, "mode": f"{want_mode:04o}"}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "fs_name": {"type": "str", "required": True},
            "client_id": {"type": "str", "default": "admin"},
            "conf": {"type": "path", "default": "/etc/ceph/ceph.conf"},
            "directories": {"type": "list", "elements": "dict", "required": True},
        },
        supports_check_mode=True,
    )
    if cephfs is None:
        module.fail_json(msg="the cephfs Python binding is missing (package python3-cephfs)")
    p = module.params
    fs = cephfs.LibCephFS(conffile=p["conf"], auth_id=p["client_id"])
    changed = False
    done: list[dict[str, Any]] = []
    try:
        fs.mount(filesystem_name=p["fs_name"])
        for item in p["directories"]:
            item_changed, state = _ensure(fs, item, module.check_mode)
            changed = changed or item_changed
            done.append(state)
    except (cephfs.Error, ValueError) as exc:
        module.fail_json(msg=f"cephfs {p['fs_name']}: {exc}", directories=done)
    finally:
        fs.shutdown()
    module.exit_json(changed=changed, directories=done)


if __name__ == "__main__":
    main()
