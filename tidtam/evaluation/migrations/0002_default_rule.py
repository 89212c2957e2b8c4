from django.db import migrations


def create_default_rule(apps, schema_editor):
    """The published rule `default/1` (PRODUCT.md §3): green ≥ 1.00, yellow ≥ 0.75, orange ≥ 0.50, red below."""
    apps.get_model("evaluation", "StatusRule").objects.get_or_create(
        name="default", version=1, defaults={"note": "กฎตั้งต้นที่เผยแพร่ / The published default rule"}
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(create_default_rule, migrations.RunPython.noop)]
