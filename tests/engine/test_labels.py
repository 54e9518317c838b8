from __future__ import annotations

from anonymizer.engine.labels import LABELS, by_strength, info, strength


def test_strength_order_puts_checksummed_and_contact_types_above_model_types() -> None:
    order = by_strength()
    assert order.index("IBAN_CODE") < order.index("CREDIT_CARD") < order.index("EMAIL_ADDRESS")
    assert order.index("EMAIL_ADDRESS") < order.index("URL")  # a domain inside an e-mail
    assert order.index("ORDER_ID") < order.index("LOCATION")  # "ORD-123456" is no place
    assert order[-1] == "PROPER_NOUN"


def test_every_label_has_a_risk_category() -> None:
    categories = {i.category for i in LABELS.values()}
    assert {"payment", "health", "identifier", "government_id", "contact"} <= categories


def test_unknown_organisation_types_rank_with_identifiers() -> None:
    assert info("EMPLOYEE_ID").category == "custom"
    assert strength("LOCATION") < strength("EMPLOYEE_ID") < strength("EMAIL_ADDRESS")
