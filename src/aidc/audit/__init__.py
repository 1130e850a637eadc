"""Runtime audit: the policy catalog's rules checked against deployed resources (boto3)."""

from aidc.audit.aws import AUDITED, AuditFinding, audit_aws, collect_aws, exit_code

__all__ = ["AUDITED", "AuditFinding", "audit_aws", "collect_aws", "exit_code"]
