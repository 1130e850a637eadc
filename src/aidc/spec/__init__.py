"""The cluster spec: pydantic models, the neutral cross-field rules, and the loader, which also
runs the rules of the spec's target (`aidc.targets.<target>.rules`). Input is bounded
(`aidc.spec.limits`) before it is judged, and YAML is read with the position of each value
(`aidc.spec.yamlfile`)."""

from aidc.spec.derive import (
    NodeRef,
    all_nodes,
    compute_pools,
    effective_flows,
    filesystem_pools,
    hdfs_client_pools,
    hdfs_pool,
    node_refs,
    pool_gpus,
    slurm_controller,
)
from aidc.spec.errors import Problem, SpecError
from aidc.spec.loader import STACK_KEY, extract, load_document, load_file, load_spec, read_file
from aidc.spec.models import (
    Bucket,
    Ceph,
    CephPool,
    Cluster,
    Firewall,
    Flow,
    Hardening,
    Hdfs,
    LabSettings,
    Monitoring,
    Network,
    NodePool,
    Quota,
    SharedFilesystem,
    Storage,
    Subnet,
)

__all__ = [
    "STACK_KEY",
    "Bucket",
    "Ceph",
    "CephPool",
    "Cluster",
    "Firewall",
    "Flow",
    "Hardening",
    "Hdfs",
    "LabSettings",
    "Monitoring",
    "Network",
    "NodePool",
    "NodeRef",
    "Problem",
    "Quota",
    "SharedFilesystem",
    "SpecError",
    "Storage",
    "Subnet",
    "all_nodes",
    "compute_pools",
    "effective_flows",
    "extract",
    "filesystem_pools",
    "hdfs_client_pools",
    "hdfs_pool",
    "load_document",
    "load_file",
    "load_spec",
    "node_refs",
    "pool_gpus",
    "read_file",
    "slurm_controller",
]
