from django.db import migrations


def load(apps, schema_editor):
    from crossreg.cases.templates_data import TEMPLATES

    DocumentTemplate = apps.get_model("cases", "DocumentTemplate")
    for t in TEMPLATES:
        DocumentTemplate.objects.get_or_create(
            kind=t["kind"], version=1,
            defaults={"title": t["title"], "number_word": t["word"], "fields": t["fields"], "body": t["body"]},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
