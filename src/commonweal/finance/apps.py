from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "commonweal.finance"
    label = "finance"
    verbose_name = "Finance"

    def ready(self) -> None:
        import commonweal.finance.actions
        import commonweal.finance.returns  # noqa: F401
        from commonweal.decisions import context
        from commonweal.finance import ledger

        # The "within budget" check of a decision asks the ledger what its budget line has left.
        context.BUDGET_SOURCES.append(ledger.available_for_decision)
        context.BUDGET_LINES.append(ledger.budget_lines)
