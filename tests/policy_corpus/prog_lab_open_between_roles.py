"""A lab firewall that opens every port from the login node to the GPU nodes."""

import pulumi

EXPECT = "AIDC-NET-008"


def program() -> None:
    pulumi.CustomResource(
        "pulumi-python:dynamic:Resource",
        "lab-firewall-nftables",
        {
            "stack": "lab",
            "bridges": ["aidc-lab0"],
            "host_tcp_ports": [],
            "rules": [
                {
                    "description": "everything",
                    "sources": ["10.231.0.10"],
                    "destinations": ["10.231.0.26", "10.231.0.27"],
                    "protocol": "all",
                    "ports": None,
                }
            ],
        },
    )
