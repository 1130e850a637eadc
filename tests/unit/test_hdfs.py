"""HDFS without a cluster: the artifact lockfile (parsing, checking a staged tree, writing it
anew, the pom it resolves with) and the hdfs role's configuration rendered for lab nodes."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from pydantic import ValidationError

from aidc.catalog import hadoop
from aidc.inventory.clustervars import hdfs_vars
from aidc.inventory.contract import HdfsVar
from aidc.spec import load_spec
from aidc.spec.derive import HDFS_DATANODE_PORT, HDFS_NAMENODE_PORT
from tests.unit.test_workload import nodes_of, raw

REPO = Path(__file__).resolve().parents[2]
ROLE = REPO / "roles" / "hdfs"
LOOPBACK = "127.0.0.1"


def small_lock(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "3.4.3",
        "dependency_plugin": "3.8.1",
        "roots": ["org.apache.hadoop:hadoop-common"],
        "webapps": ["org.apache.hadoop:hadoop-hdfs:tests"],
        "jars": {
            "lib/hadoop-common-3.4.3.jar": "a" * 64,
            "lib/guava-32.0.1-jre.jar": "b" * 64,
            "webapps/hadoop-hdfs-3.4.3-tests.jar": "c" * 64,
        },
    }
    data.update(changes)
    return data


# --- the lockfile -----------------------------------------------------------------------


def test_the_shipped_lockfile_pins_a_3_4_release_with_every_root_locked() -> None:
    lock = hadoop.lock()
    assert lock.version.startswith("3.4.")
    for root in ("hadoop-common", "hadoop-hdfs", "hadoop-hdfs-client"):
        assert f"lib/{root}-{lock.version}.jar" in lock.jars
    assert f"webapps/hadoop-hdfs-{lock.version}-tests.jar" in lock.jars
    assert lock.artifact_name == f"hadoop-{lock.version}-aidc.tar.gz"


def test_the_role_installs_the_lockfiles_release() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults["hdfs_version"] == hadoop.lock().version


def test_a_lockfile_whose_root_jar_is_not_locked_is_refused() -> None:
    data = small_lock(roots=["org.apache.hadoop:hadoop-common", "org.apache.hadoop:hadoop-hdfs"])
    with pytest.raises(ValidationError, match=r"hadoop-hdfs-3\.4\.3\.jar is not locked"):
        hadoop.parse(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"lib/x.jar": "not-a-digest"}, "String should match pattern"),
        ({"etc/x.jar": "a" * 64}, "String should match pattern"),
    ],
)
def test_a_lockfile_with_a_bad_jar_entry_is_refused(extra: dict[str, str], message: str) -> None:
    data = small_lock()
    data["jars"] = {**data["jars"], **extra}
    with pytest.raises(ValidationError, match=message):
        hadoop.parse(yaml.safe_dump(data))


def test_a_stale_lockfile_still_says_its_release_and_coordinates() -> None:
    data = small_lock(version="3.4.9")  # bumped: its jars are those of 3.4.3
    with pytest.raises(ValidationError):
        hadoop.parse(yaml.safe_dump(data))
    base = hadoop.parse_base(yaml.safe_dump(data))
    assert (base.version, base.roots) == ("3.4.9", ("org.apache.hadoop:hadoop-common",))


def test_problems_name_missing_unlocked_and_changed_jars() -> None:
    locked = {"lib/a.jar": "1" * 64, "lib/b.jar": "2" * 64, "lib/c.jar": "3" * 64}
    found = {"lib/a.jar": "1" * 64, "lib/c.jar": "4" * 64, "lib/evil.jar": "5" * 64}
    assert hadoop.problems(locked, found) == [
        "lib/b.jar: missing",
        "lib/evil.jar: not in the lockfile",
        f"lib/c.jar: sha256 {'4' * 64} but the lockfile has {'3' * 64}",
    ]
    assert hadoop.problems(locked, locked) == []


def test_a_staged_tree_is_digested_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "webapps").mkdir()
    (tmp_path / "lib" / "a.jar").write_bytes(b"jar a")
    (tmp_path / "webapps" / "w.jar").write_bytes(b"jar w")
    (tmp_path / "README").write_text("not a jar")
    found = hadoop.digest_tree(tmp_path)
    assert found == {
        "README": hashlib.sha256(b"not a jar").hexdigest(),
        "lib/a.jar": hashlib.sha256(b"jar a").hexdigest(),
        "webapps/w.jar": hashlib.sha256(b"jar w").hexdigest(),
    }
    # A file that is no locked jar is reported, so a verify of the tree fails on it.
    assert "README: not in the lockfile" in hadoop.problems({}, found)


def test_a_written_lockfile_reads_back_with_the_same_jars(tmp_path: Path) -> None:
    base = hadoop.parse_base(yaml.safe_dump(small_lock()))
    jars = {
        "webapps/hadoop-hdfs-3.4.3-tests.jar": "c" * 64,
        "lib/hadoop-common-3.4.3.jar": "a" * 64,
    }
    text = hadoop.render(base, jars)
    assert text.startswith("#")
    again = hadoop.parse(text)
    assert again.jars == jars and list(again.jars) == sorted(jars)
    assert again.version == base.version and again.webapps == base.webapps


def test_the_cli_verifies_a_tree_and_writes_a_lockfile(tmp_path: Path) -> None:
    tree = tmp_path / "hadoop-3.4.3"
    (tree / "lib").mkdir(parents=True)
    (tree / "webapps").mkdir()
    (tree / "lib" / "hadoop-common-3.4.3.jar").write_bytes(b"common")
    (tree / "webapps" / "hadoop-hdfs-3.4.3-tests.jar").write_bytes(b"web")
    lockfile = tmp_path / "hadoop.lock.yaml"
    data = small_lock()
    del data["jars"]
    lockfile.write_text(yaml.safe_dump(data))
    assert hadoop._main(["--lockfile", str(lockfile), "lock", str(tree)]) == 0
    assert hadoop._main(["--lockfile", str(lockfile), "verify", str(tree)]) == 0
    (tree / "lib" / "hadoop-common-3.4.3.jar").write_bytes(b"tampered")
    assert hadoop._main(["--lockfile", str(lockfile), "verify", str(tree)]) == 1


def test_the_pom_asks_for_each_root_and_the_webapps_jar_at_the_release() -> None:
    text = hadoop.pom(
        "3.4.3", ["org.apache.hadoop:hadoop-hdfs"], ["org.apache.hadoop:hadoop-hdfs:tests"]
    )
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    deps = ET.fromstring(text).findall(  # noqa: S314 - our own pom
        "m:dependencies/m:dependency", ns
    )
    found = [
        (
            d.findtext("m:artifactId", namespaces=ns),
            d.findtext("m:version", namespaces=ns),
            d.findtext("m:classifier", namespaces=ns),
        )
        for d in deps
    ]
    assert found == [("hadoop-hdfs", "3.4.3", None), ("hadoop-hdfs", "3.4.3", "tests")]


# --- the role's configuration -----------------------------------------------------------


def lab_hdfs() -> tuple[HdfsVar, dict[str, str]]:
    spec = raw("lab")
    cluster, _ = load_spec(spec)
    nodes = nodes_of(spec)
    hdfs = hdfs_vars(cluster, nodes)
    assert hdfs is not None
    return hdfs, {n.name: n.ansible_host for n in nodes}


def role_vars() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    return data


def render(template: str, host: str) -> str:
    hdfs, addresses = lab_hdfs()
    env = jinja2.Environment(  # noqa: S701 - config files, not HTML
        loader=jinja2.FileSystemLoader(ROLE / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )
    env.filters["comment"] = lambda s, style="plain": (
        f"<!-- {s} -->" if style == "xml" else f"# {s}"
    )
    env.filters["bool"] = bool
    plain = {k: v for k, v in role_vars().items() if "{{" not in str(v)}
    context = {
        **plain,
        "_hdfs_install_dir": "/opt/aidc/hadoop-3.4.3",
        "_hdfs_classpath": "/etc/hadoop:/opt/aidc/hadoop-3.4.3/lib/*",
        "_hdfs_java": "/usr/bin/java",
        "ansible_managed": "Ansible managed",
        "aidc_cluster_name": "lab",
        "inventory_hostname": host,
        "ansible_host": addresses[host],
        "hdfs_version": "3.4.3",
        "hdfs_namenode_address": hdfs.namenode_address,
        "hdfs_replication": hdfs.replication,
        "hdfs_block_size_mb": hdfs.block_size_mb,
        "hdfs_name_dirs": ["/var/lib/hdfs/name"],
        "hdfs_data_dirs": ["/var/lib/hdfs/data"],
        "hdfs_permissions_enabled": True,
        "hdfs_superuser_group": "supergroup",
        "hdfs_heartbeat_interval_s": 3,
        "hdfs_heartbeat_recheck_interval_ms": 15000,  # the lab's default
        "hdfs_client_heap_mb": 128,
    }
    return env.get_template(template).render(**context)


def properties(text: str) -> dict[str, str]:
    root = ET.fromstring(text)  # noqa: S314 - our own template
    return {p.findtext("name") or "": p.findtext("value") or "" for p in root.iter("property")}


def test_the_role_listens_on_the_ports_the_firewall_opens() -> None:
    data = role_vars()
    assert data["_hdfs_namenode_rpc_port"] == HDFS_NAMENODE_PORT
    assert data["_hdfs_datanode_port"] == HDFS_DATANODE_PORT


def test_core_site_points_every_node_at_the_namenode() -> None:
    hdfs, _ = lab_hdfs()
    for host in (hdfs.namenode, hdfs.datanodes[-1], hdfs.clients[0]):
        found = properties(render("core-site.xml.j2", host))
        assert found["fs.defaultFS"] == f"hdfs://{hdfs.namenode_address}:{HDFS_NAMENODE_PORT}"
        assert found["hadoop.security.authentication"] == "simple"


def test_hdfs_site_binds_rpc_and_data_to_the_node_and_the_rest_to_loopback() -> None:
    hdfs, addresses = lab_hdfs()
    for host in hdfs.datanodes:
        found = properties(render("hdfs-site.xml.j2", host))
        assert found["dfs.namenode.rpc-address"] == f"{hdfs.namenode_address}:{HDFS_NAMENODE_PORT}"
        assert found["dfs.datanode.address"] == f"{addresses[host]}:{HDFS_DATANODE_PORT}"
        others = {
            k: v
            for k, v in found.items()
            if k.endswith(("address", "-address", ".address"))
            and k not in {"dfs.namenode.rpc-address", "dfs.datanode.address"}
        }
        assert {"dfs.namenode.http-address", "dfs.datanode.http.address"} <= set(others)
        assert "dfs.datanode.ipc.address" in others
        assert all(v.startswith(f"{LOOPBACK}:") for v in others.values()), others


def test_hdfs_site_carries_the_specs_replication_and_block_size() -> None:
    hdfs, _ = lab_hdfs()
    found = properties(render("hdfs-site.xml.j2", hdfs.namenode))
    assert int(found["dfs.replication"]) == hdfs.replication == 2
    assert int(found["dfs.blocksize"]) == hdfs.block_size_mb * 2**20
    assert found["dfs.permissions.enabled"] == "true"
    assert found["dfs.namenode.name.dir"] == "file:///var/lib/hdfs/name"
    assert found["dfs.datanode.data.dir"] == "file:///var/lib/hdfs/data"


def test_a_stopped_datanode_is_declared_dead_within_about_a_minute_in_the_lab() -> None:
    hdfs, _ = lab_hdfs()
    found = properties(render("hdfs-site.xml.j2", hdfs.namenode))
    recheck_ms = int(found["dfs.namenode.heartbeat.recheck-interval"])
    dead_after_s = 2 * recheck_ms / 1000 + 10 * int(found["dfs.heartbeat.interval"])
    assert 30 <= dead_after_s <= 75
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    # Elsewhere HDFS's own default (5 minutes) stays.
    assert "else 300000" in defaults["hdfs_heartbeat_recheck_interval_ms"]


def test_the_hdfs_command_maps_its_subcommands_to_hadoops_classes() -> None:
    hdfs, _ = lab_hdfs()
    text = render("hdfs.j2", hdfs.clients[0])
    assert text.startswith("#!/bin/sh\n")
    for sub, cls in {
        "dfs": "org.apache.hadoop.fs.FsShell",
        "fsck": "org.apache.hadoop.hdfs.tools.DFSck",
        "dfsadmin": "org.apache.hadoop.hdfs.tools.DFSAdmin",
    }.items():
        assert f"  {sub}) class={cls} ;;" in text
    assert "-cp '/etc/hadoop:/opt/aidc/hadoop-3.4.3/lib/*'" in text


@pytest.mark.parametrize("release", ["Debian-12", "Debian-13", "Ubuntu-22", "Ubuntu-24"])
def test_every_supported_release_names_a_headless_java_runtime(release: str) -> None:
    data = yaml.safe_load((ROLE / "vars" / f"{release}.yml").read_text())
    (package,) = data["_hdfs_java_packages"]
    assert package.startswith("openjdk-") and package.endswith("-jre-headless")


def _train_smoke() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "roles/train_smoke/files/train_smoke.py"
    spec = importlib.util.spec_from_file_location("train_smoke_for_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_training_jobs_hdfs_store_round_trips_through_the_hdfs_command(
    tmp_path: Path,
) -> None:
    """The job's HDFS store drives `hdfs dfs` (-mkdir -p, one -put -f of many files, -ls -C,
    one -cat of many); here a stand-in command keeps the namespace in a folder and counts its
    calls (each is a JVM on a real node), so keys, bytes, paths and calls are checked."""
    root = tmp_path / "ns"
    fake = tmp_path / "hdfs"
    fake.write_text(
        "#!/usr/bin/env python3\n"
        "import pathlib, sys\n"
        f"root = pathlib.Path({str(root)!r})\n"
        "assert sys.argv[1] == 'dfs', sys.argv\n"
        "op, *rest = sys.argv[2:]\n"
        "with open(root.parent / 'calls', 'a') as log: log.write(op + '\\n')\n"
        "p = lambda s: root / s.lstrip('/')\n"
        "if op == '-mkdir':\n"
        "    assert rest[0] == '-p'; p(rest[1]).mkdir(parents=True, exist_ok=True)\n"
        "elif op == '-put':\n"
        "    assert rest[0] == '-f' and p(rest[-1]).is_dir(), rest\n"
        "    for f in rest[1:-1]:\n"
        "        src = pathlib.Path(f); (p(rest[-1]) / src.name).write_bytes(src.read_bytes())\n"
        "elif op == '-cat':\n"
        "    for f in rest: sys.stdout.buffer.write(p(f).read_bytes())\n"
        "elif op == '-ls':\n"
        "    assert rest[0] == '-C'\n"
        "    d = p(rest[1])\n"
        "    if not d.is_dir(): sys.exit(1)\n"
        "    print('\\n'.join('/' + str(f.relative_to(root)) for f in sorted(d.iterdir())))\n"
    )
    fake.chmod(0o755)
    job = _train_smoke()
    store = job.Hdfs(command=str(fake))
    assert job.keys(store, "data", "train-smoke/shards/") == []
    shards = {"shard-0001.bin": b"\x01\x02", "shard-0000.bin": b"\x00"}
    store.put_many("data", "train-smoke/shards/", shards)
    assert (root / "data/train-smoke/shards/shard-0001.bin").read_bytes() == b"\x01\x02"
    assert job.keys(store, "data", "train-smoke/shards/") == [
        "train-smoke/shards/shard-0000.bin",
        "train-smoke/shards/shard-0001.bin",
    ]
    both = ["train-smoke/shards/shard-0000.bin", "train-smoke/shards/shard-0001.bin"]
    assert job.get_bodies(store, "data", both) == b"\x00\x01\x02"
    calls = (tmp_path / "calls").read_text().split()
    assert calls == ["-ls", "-mkdir", "-put", "-ls", "-cat"], calls
