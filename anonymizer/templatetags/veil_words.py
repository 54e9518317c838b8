"""`{% load veil_words %}{{ code|say:"trigger" }}`: human words for a code (anonymizer.words)."""

from __future__ import annotations

from django import template

from anonymizer import words

register = template.Library()


@register.filter(name="say")
def say(code: object, kind: str) -> str:
    return words.say(kind, str(code))
