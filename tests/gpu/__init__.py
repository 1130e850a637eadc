"""GPU tests: device-only checks (marked `gpu`) and the real-fixture helpers unit tests use."""
