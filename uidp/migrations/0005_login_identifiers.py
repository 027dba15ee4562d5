from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0004_legal_persons')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Person',
            name='login_index',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
