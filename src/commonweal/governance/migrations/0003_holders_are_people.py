# Post holders become people (core.Person) instead of name strings, so a rename keeps a person's
# history and later records (attendance, interests, decisions) point at the same identity.

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
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
    dependencies = [
        ("governance", "0002_organisation_in_core"),
        ("core", "0005_people_tokens_and_audit"),
    ]

    operations = [
        migrations.RenameField(model_name="postholding", old_name="person", new_name="person_name"),
        migrations.AddField(
            model_name="postholding",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="holdings",
                to="core.person",
            ),
        ),
        migrations.RunPython(people_for_holders, migrations.RunPython.noop),
        migrations.RemoveField(model_name="postholding", name="person_name"),
        migrations.RemoveField(model_name="postholding", name="user"),
        migrations.AlterField(
            model_name="postholding",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="holdings",
                to="core.person",
            ),
        ),
    ]
