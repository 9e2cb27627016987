"""PostgreSQL roles: the owner migrates, the app serves. ``db upgrade`` connects as the owner
(``STANCHION_OWNER_DATABASE_URL``) and grants the role named in the serving URL
(``STANCHION_DATABASE_URL``) what serving needs and no more: rows of every table, but on
``audit_events`` only INSERT and SELECT, and on the migration record only SELECT. The app
role owns nothing, so it cannot drop the append-only trigger, alter a table or truncate,
whatever it runs; only the owner (or a superuser) could, and the hash chain and the signed
checkpoints outside the database still catch a rewrite.

    with owner.engine.begin() as conn:
        grant_app_role(conn, "postgresql://stanchion_app:pw@db/shop")   # after migrating
"""

from __future__ import annotations

from sqlalchemy import Connection, make_url, text

from stanchion.errors import StoreError

APP_ROLE_GRANTS = (
    "GRANT CONNECT ON DATABASE {db} TO {role}",
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grant_app_role(conn: Connection, app_url: str) -> str:
    """Make the serving URL's role (LOGIN, with the URL's password) if it does not exist,
    and grant it the serving privileges on this database; returns the role's name. Run as
    the owner after every upgrade (new tables need their grants)."""
    url = make_url(app_url)
    role = url.username
    if not role:
        raise StoreError("the serving database URL names no role (user) to grant")
    owner = conn.execute(text("SELECT current_user")).scalar()
    if role == owner:
        raise StoreError(
            f"the serving URL's role {role!r} is the owner that migrates: give serving a role"
            " of its own (STANCHION_DATABASE_URL) and migrating the owner's"
            " (STANCHION_OWNER_DATABASE_URL)"
        )
    quote = conn.dialect.identifier_preparer.quote_identifier
    known = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if known is None:
        password = f" PASSWORD {_literal(url.password)}" if url.password else ""
        conn.exec_driver_sql(f"CREATE ROLE {quote(role)} LOGIN{password}")
    names = {
        "role": quote(role),
        "db": quote(str(conn.execute(text("SELECT current_database()")).scalar())),
        "schema": quote(str(conn.execute(text("SELECT current_schema()")).scalar())),
    }
    for statement in APP_ROLE_GRANTS:
        conn.exec_driver_sql(statement.format(**names))
    return role
