"""Provisioning targets: one package per place a cluster can live."""
