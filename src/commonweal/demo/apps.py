from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration: `commonweal setup-demo` builds the example systems with every
    capability, so it sits above them all."""

    name = "commonweal.demo"
    label = "demo"
    verbose_name = "Demonstration"
