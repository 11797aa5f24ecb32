"""Load GB/T 4754-2017 sections' divisions (01–97) into Industry. Idempotent."""

from django.db import migrations


def load(apps, schema_editor):
    from crossreg.entities.data.industries import load_industries

    load_industries(apps.get_model("entities", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("entities", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
