import factory

from accounts.tests.factories import UserFactory
from tickets.models import Category, Comment, Macro, Ticket


def category(slug: str = "general") -> Category:
    return Category.objects.get(slug=slug)


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row straight in the database, for tests that need one in a given state.

    Tests of behaviour create tickets through ``ticket_create`` instead.
    """

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"TICK-20260101-{n + 1:04d}")
    subject = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    category = factory.LazyFunction(category)
    requester = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("paragraph")


def custom_field(key: str, type: str = "text", *, categories: tuple[str, ...] = (), **options):
    """A custom field defined as an admin would (saved, with its categories by slug)."""
    from tickets.models import CustomField

    field = CustomField(key=key, label=options.pop("label", key.replace("_", " ").capitalize()), type=type, **options)
    field.full_clean()
    field.save()
    field.categories.set([category(slug) for slug in categories])
    return field


class MacroFactory(factory.django.DjangoModelFactory):
    """A macro as a manager saves it in the console (``full_clean`` first: only valid ones)."""

    class Meta:
        model = Macro
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Macro {n + 1}")

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        macro = model_class(*args, **kwargs)
        macro.full_clean()
        macro.save()
        return macro
