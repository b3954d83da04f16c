# Post holders become people (core.Person) instead of name strings, so a rename keeps a person's
# history and later records (attendance, interests, decisions) point at the same identity.
# Schema first; the data and the finishing steps are separate migrations, since PostgreSQL will
# not alter a table with writes pending in the same transaction.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_organisation_in_core"),
        ("core", "0007_people_and_tokens_final"),
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
    ]
