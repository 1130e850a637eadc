"""Machine images: an `ami-...` id from the spec as is, otherwise an SSM public parameter
(the spec's path, or Canonical's Ubuntu 24.04 LTS), looked up once per path per program."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

# Canonical publishes the current Ubuntu 24.04 LTS AMI id of each region under this path.
UBUNTU_2404 = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"


class ImageResolver:
    """Answers pools' `image` fields; one SSM invoke per distinct parameter path."""

    def __init__(self, provider: pulumi.ProviderResource | None = None) -> None:
        self._provider = provider
        self._lookups: dict[str, pulumi.Output[str]] = {}

    def resolve(self, image: str | None) -> pulumi.Input[str]:
        if image is not None and image.startswith("ami-"):
            return image
        path = image or UBUNTU_2404
        if path not in self._lookups:
            found = aws.ssm.get_parameter_output(
                name=path, opts=pulumi.InvokeOutputOptions(provider=self._provider)
            )
            # An AMI id is public: read the plain value, not the secret-marked one.
            self._lookups[path] = found.insecure_value
        return self._lookups[path]
