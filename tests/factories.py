"""Test data: factory-boy factories for the models tests need rows of."""

from __future__ import annotations

import factory

from apps.accounts import crypto
from apps.accounts.models import Credential, User
from apps.analyses.models import Finding, RuleFailure
from apps.jobs.models import Job, JobEvent, Page


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "a good passphrase")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory)
    kind = "audit"
    url = "http://example.com/"
    options = factory.LazyFunction(dict)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    job = factory.SubFactory(JobFactory)
    url = factory.Sequence(lambda n: f"http://example.com/page-{n}")
    status_code = 200
    content_type = "text/html"


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    job = factory.SubFactory(JobFactory)
    page = None
    page_url = "http://example.com/"
    rule_id = "image-alt"
    categories = factory.LazyFunction(lambda: ["accessibility", "seo"])
    severity = "critical"
    message = "Image has no alt attribute."


class RuleFailureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleFailure

    job = factory.SubFactory(JobFactory)
    page_url = "http://example.com/"
    rule_id = "image-alt"
    error_type = "TypeError"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobEvent

    job = factory.SubFactory(JobFactory)
    type = "log"
    data = factory.LazyFunction(lambda: {"message": "hello", "level": "info"})


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    owner = factory.SubFactory(UserFactory)
    name = "staging"
    origin = "http://example.com"
    kind = "basic"
    secret = factory.LazyFunction(
        lambda: crypto.encrypt({"username": "ann", "password": "s3cret-pass"}))
