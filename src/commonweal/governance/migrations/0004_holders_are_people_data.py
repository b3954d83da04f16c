# A person for each distinct holder's name (data for 0003).

from typing import Any

from django.db import migrations
from django.utils.text import slugify


def people_for_holders(apps, schema_editor):
    Person = apps.get_model("core", "Person")
    PostHolding = apps.get_model("governance", "PostHolding")
    by_name: dict[str, Any] = {}
    for holding in PostHolding.objects.order_by("pk"):
        person = by_name.get(holding.person_name)
        if person is None:
            base = slugify(holding.person_name) or f"person-{holding.pk}"
            key, n = base, 1
            while Person.objects.filter(key=key).exists():
                n += 1
                key = f"{base}-{n}"
            person = Person.objects.create(key=key, name=holding.person_name)
            by_name[holding.person_name] = person
        if holding.user_id and person.account_id is None:
            if not Person.objects.filter(account_id=holding.user_id).exists():
                person.account_id = holding.user_id
                person.save(update_fields=["account"])
        holding.person = person
        holding.save(update_fields=["person"])


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_holders_are_people")]

    operations = [migrations.RunPython(people_for_holders, migrations.RunPython.noop)]
