from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "commonweal.governance"
    label = "governance"
    verbose_name = "Governance"
