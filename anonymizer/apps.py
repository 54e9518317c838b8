from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    name = "anonymizer"
    verbose_name = "Veil anonymizer"

    def ready(self) -> None:
        from anonymizer.engine import learned

        learned.use_key_provider(_learned_list_key)


def _learned_list_key() -> bytes:
    """Read when a rule set with learned lists is built or learned, not at start."""
    from anonymizer.exports.keys import learned_list_key

    return learned_list_key()
