# The single-column index on resource_id duplicated the (resource, created_at) one; bundle_id
# is indexed only where set, region_id without a LIKE index. Fewer index entries per download
# event make the drain faster.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0001_initial"),
        ("resources", "0006_exhibit_care"),
    ]

    operations = [
        migrations.AlterField(
            model_name="downloadevent",
            name="bundle",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="download_events",
                to="resources.resourcebundle",
                verbose_name="bundle",
            ),
        ),
        migrations.AlterField(
            model_name="downloadevent",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="facilities.region",
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="downloadevent",
            name="resource",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="download_events",
                to="resources.digitalresource",
                verbose_name="resource",
            ),
        ),
        migrations.AddIndex(
            model_name="downloadevent",
            index=models.Index(
                condition=models.Q(("bundle__isnull", False)),
                fields=["bundle"],
                name="download_bundle_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="downloadevent",
            index=models.Index(fields=["region"], name="download_region_idx"),
        ),
    ]
