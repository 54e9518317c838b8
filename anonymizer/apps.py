from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    name = "anonymizer"
    verbose_name = "Veil anonymizer"

    def ready(self) -> None:
        # Not at module level: app modules are imported before the app registry is ready.
        from anonymizer.engine import learned

        learned.use_key_provider(_learned_list_key)


def _learned_list_key() -> bytes:
    """Read when a rule set with learned lists is built or learned, not at start."""
    # Here, not at module level: exports.keys reads settings, and the key file is made lazily.
    from anonymizer.exports.keys import learned_list_key

    return learned_list_key()
