from django.db import migrations

from tidtam.core.reference import reference_load


def load(apps, schema_editor):
    reference_load(apps.get_model("core", "Province"), apps.get_model("core", "Country"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_country_province")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
