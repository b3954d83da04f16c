import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Commonweal with gunicorn, a production WSGI server: debug off (unless "
        "COMMONWEAL_DEBUG=1), a content security policy on every page, HSTS and secure cookies "
        "when served over HTTPS (COMMONWEAL_HTTPS=1), and a health check at /health. Run "
        "`commonweal migrate` first, and `commonweal worker` beside it for background work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument(
            "--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)), help="processes"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads in each process")
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck worker restarts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from commonweal.wsgi import application

        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                self.cfg.set("bind", [options["bind"]])
                self.cfg.set("workers", options["workers"])
                self.cfg.set("threads", options["threads"])
                self.cfg.set("timeout", options["timeout"])
                self.cfg.set("accesslog", "-")
                # Behind a proxy that ends TLS, trust its X-Forwarded-* only when told to.
                if os.environ.get("COMMONWEAL_PROXY_SSL_HEADER"):
                    self.cfg.set(
                        "forwarded_allow_ips", os.environ.get("COMMONWEAL_PROXY_IPS", "127.0.0.1")
                    )

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"Commonweal on http://{options['bind']}/ (debug {'ON' if settings.DEBUG else 'off'}; "
            f"{options['workers']} workers x {options['threads']} threads)"
        )
        Server().run()
