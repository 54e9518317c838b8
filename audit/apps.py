from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        # Log-in events only exist as django.contrib.auth signals; this is the one place Veil
        # listens to signals. Everything else is audited by the service that acts.
        from audit import auth_events

        auth_events.connect()
