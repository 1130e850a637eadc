"""`aidc check`: every check CI needs over a project's stacks, with one exit code.

For each stack: the spec validation, the plan, and the policy rules at preview time (through
the engine where it can preview the stack, otherwise through the same rules under Pulumi's
mocks); once per project: ansible-lint over its playbooks and roles. Findings go to the
terminal, and to SARIF 2.1.0 and JUnit XML for CI systems (`aidc.check.sarif`,
`aidc.check.junit`). Exit status: 0 clean, 2 bad input, 3 a mandatory finding.
"""
