"""Re-encrypt every stored secret under the newest key of SMM_ENCRYPTION_KEYS.

Rotation: put a new key first in SMM_ENCRYPTION_KEYS (keep the old ones after it), restart,
run this command, then drop the old keys."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from smm import crypto
from smm.crypto import EncryptedTextField

# allauth's MFA authenticators keep their secrets in a JSON column (encrypted by smm.accounts).
_MFA_SECRET_KEYS = ("secret", "seed")


class Command(BaseCommand):
    help = "Re-encrypt all secrets at rest under the newest SMM_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            total += self._rotate_model(model, [f.attname for f in fields])
        total += self._rotate_mfa()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {total} secret(s) under the newest key.")
        )

    def _rotate_model(self, model: Any, columns: list[str]) -> int:
        count = 0
        # Raw SQL: the ciphertext as stored, without the field decrypting it on the way.
        raw_rows = _raw_values(model, columns)
        with transaction.atomic():
            for pk, values in raw_rows:
                updates = {col: crypto.rotate(val) for col, val in values.items() if val}
                if updates:
                    _raw_update(model, pk, updates)
                    count += len(updates)
        return count

    def _rotate_mfa(self) -> int:
        from allauth.mfa.models import Authenticator

        count = 0
        with transaction.atomic():
            for auth in Authenticator.objects.select_for_update().all():
                data = dict(auth.data)
                changed = False
                for key in _MFA_SECRET_KEYS:
                    if isinstance(data.get(key), str):
                        data[key] = crypto.rotate(data[key])
                        changed = True
                if isinstance(data.get("migrated_codes"), list):
                    data["migrated_codes"] = [crypto.rotate(c) for c in data["migrated_codes"]]
                    changed = True
                if changed:
                    auth.data = data
                    auth.save(update_fields=["data"])
                    count += 1
        return count


def _raw_values(model: Any, columns: list[str]) -> list[tuple[Any, dict[str, str]]]:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {cols} FROM {table}")  # noqa: S608 - identifiers quoted
        return [(row[0], dict(zip(columns, row[1:], strict=True))) for row in cursor.fetchall()]


def _raw_update(model: Any, pk: Any, updates: dict[str, str]) -> None:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {pk_col} = %s",  # noqa: S608 - identifiers quoted
            [*updates.values(), pk],
        )
