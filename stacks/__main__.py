"""Entry point Pulumi runs (Pulumi.yaml: main: stacks/)."""

from aidc.program import main

main()
